-- Pipelines and their stages join the configuration each process caches (src/db/workspace-cache.ts, migration 0012):
-- the board, every deal move and every deal create read them. On the embedded database at 100k deals, reading a
-- pipeline and its stages was two of the board's six queries (1.2 of ~7 ms). Same rule as 0012: a change to either
-- table names its workspace on the configuration channel, after the commit.
CREATE TRIGGER "pipelines_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "pipelines"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');--> statement-breakpoint
CREATE TRIGGER "pipeline_stages_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "pipeline_stages"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');
