-- Row-level security: the second wall behind the application's own workspace filter. A transaction that states its
-- workspace (set_config('app.workspace_id', id, true), see src/db/workspace-scope.ts) sees and writes only that
-- workspace's rows, whatever its queries forget. A transaction that states none (migrations, pg-boss, sign-in by
-- email, API key lookup, jobs that scan every workspace) is not limited: that unset setting is the narrow, explicit
-- bypass, and every request transaction sets it.
-- Superusers and roles with BYPASSRLS skip every policy, even forced ones; a scoped transaction of such a connection
-- therefore also switches (for itself only) to rapport_app, a role without login or bypass that may read and write
-- the tables. FORCE makes the policies bind the tables' owner too, for a deployment that connects as the owner.
CREATE OR REPLACE FUNCTION rapport_workspace() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.workspace_id', true), '')::uuid $$;
--> statement-breakpoint
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rapport_app') THEN
    BEGIN
      CREATE ROLE rapport_app NOLOGIN NOINHERIT;
    EXCEPTION
      -- Another database of the same server created it at the same moment, or this user may not create roles (a
      -- managed server where the app connects as the tables' owner: FORCE below is what binds it then).
      WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rapport_app') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO rapport_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO rapport_app', current_schema());
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO rapport_app', current_schema());
    -- Tables and sequences later migrations create.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rapport_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO rapport_app', current_schema());
  END IF;
END $$;
--> statement-breakpoint
-- Every table of this schema with a workspace_id column; src/db/row-security.test.ts fails for a later table without it.
DO $$
DECLARE t text;
BEGIN
  FOR t IN
    SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
     WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id'
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
--> statement-breakpoint
ALTER TABLE "workspaces" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "workspaces" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY workspace_wall ON "workspaces" USING (rapport_workspace() IS NULL OR id = rapport_workspace());
