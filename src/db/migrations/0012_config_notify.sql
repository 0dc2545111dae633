-- Every process keeps each workspace's configuration (custom fields, validation and scoring rules, settings,
-- users) in memory (src/db/workspace-cache.ts) and drops a workspace's when this channel names it. Row triggers:
-- these tables are small and rarely written, and PostgreSQL sends one notification per workspace per transaction
-- however many rows changed, after the commit.
CREATE FUNCTION "rapport_config_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('rapport_config', to_jsonb(OLD) ->> TG_ARGV[0]);
  ELSE
    PERFORM pg_notify('rapport_config', to_jsonb(NEW) ->> TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "custom_fields_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "custom_fields"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "validation_rules_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "validation_rules"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "scoring_rules_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "scoring_rules"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "users_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "workspaces_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "workspaces"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('id');
