-- Assignment rules and the fallback owner join the cached configuration (src/db/workspace-cache.ts, 0012): every
-- contact created without an owner read both inside its transaction, two of its seven statements. A rule's
-- round-robin cursor moves on every assignment to a team and is read by the UPDATE that moves it, not from the
-- cache, so it announces nothing; nor does the rescore progress kept in lead_settings.
CREATE TRIGGER "assignment_rules_config_changed" AFTER INSERT OR DELETE ON "assignment_rules"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "assignment_rules_config_updated" AFTER UPDATE ON "assignment_rules"
  FOR EACH ROW WHEN ((OLD."name", OLD."position", OLD."enabled", OLD."conditions", OLD."target")
                     IS DISTINCT FROM (NEW."name", NEW."position", NEW."enabled", NEW."conditions", NEW."target"))
  EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "lead_settings_config_changed" AFTER INSERT OR DELETE ON "lead_settings"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "lead_settings_config_updated" AFTER UPDATE ON "lead_settings"
  FOR EACH ROW WHEN (OLD."fallback_owner_id" IS DISTINCT FROM NEW."fallback_owner_id")
  EXECUTE FUNCTION "rapport_config_changed"('workspace_id');
