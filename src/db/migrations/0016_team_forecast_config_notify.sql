-- Teams, their members, quotas and the forecast settings join what each process caches per workspace
-- (src/db/workspace-cache.ts, migration 0012): every forecast reads who is in which team, the period's quotas and the
-- commit threshold, pipeline reports and quota pages scope by teams, and lead assignment's cached rules hand out
-- turns among a team's members. On the embedded database at 100k deals these small reads were about half of a
-- forecast's database time. All are written by people through the API, a few rows at a time. Same rule as 0012: a
-- change to any of them names its workspace on the configuration channel, after the commit.
CREATE TRIGGER "teams_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "teams"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "team_members_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "team_members"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "quotas_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "quotas"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "forecast_settings_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "forecast_settings"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');
