CREATE TABLE "record_shares" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"object" text NOT NULL,
	"record_id" uuid NOT NULL,
	"user_id" uuid,
	"team_id" uuid,
	"level" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "record_shares_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"built_in" boolean DEFAULT false NOT NULL,
	"manage_settings" boolean DEFAULT false NOT NULL,
	"permissions" jsonb NOT NULL,
	"field_rules" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roles_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE INDEX "record_shares_record_idx" ON "record_shares" USING btree ("workspace_id","object","record_id");--> statement-breakpoint
CREATE INDEX "record_shares_user_idx" ON "record_shares" USING btree ("workspace_id","object","user_id","record_id");--> statement-breakpoint
CREATE INDEX "record_shares_team_idx" ON "record_shares" USING btree ("workspace_id","object","team_id","record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "roles_workspace_key_key" ON "roles" USING btree ("workspace_id","key");--> statement-breakpoint
-- Every existing workspace gets the built-in roles with their default rights (issue 17): the same rows
-- src/modules/roles/service.ts seeds for a new workspace, from src/contract/roles.ts `builtInRoles`.
INSERT INTO "roles" ("workspace_id", "id", "key", "name", "built_in", "manage_settings", "permissions")
SELECT w."id", gen_random_uuid(), r."key", r."name", true, r."manage_settings", r."permissions"
FROM "workspaces" w CROSS JOIN (VALUES
  ('admin', 'Admin', true, '{"contact":{"read":"all","create":true,"edit":"all","delete":"all"},"company":{"read":"all","create":true,"edit":"all","delete":"all"},"deal":{"read":"all","create":true,"edit":"all","delete":"all"},"task":{"read":"all","create":true,"edit":"all","delete":"all"},"activity":{"read":"all","create":true,"edit":"all","delete":"all"},"product":{"read":"all","create":true,"edit":"all","delete":"all"},"import":{"read":"all","create":true,"edit":"all","delete":"all"}}'::jsonb),
  ('manager', 'Manager', false, '{"contact":{"read":"all","create":true,"edit":"team","delete":"team"},"company":{"read":"all","create":true,"edit":"team","delete":"team"},"deal":{"read":"all","create":true,"edit":"team","delete":"team"},"task":{"read":"all","create":true,"edit":"team","delete":"team"},"activity":{"read":"all","create":true,"edit":"team","delete":"team"},"product":{"read":"all","create":true,"edit":"all","delete":"all"},"import":{"read":"all","create":true,"edit":"all","delete":"all"}}'::jsonb),
  ('sales', 'Sales', false, '{"contact":{"read":"all","create":true,"edit":"own","delete":"own"},"company":{"read":"all","create":true,"edit":"own","delete":"own"},"deal":{"read":"all","create":true,"edit":"own","delete":"own"},"task":{"read":"all","create":true,"edit":"own","delete":"own"},"activity":{"read":"all","create":true,"edit":"own","delete":"own"},"product":{"read":"all","create":false,"edit":"none","delete":"none"},"import":{"read":"all","create":true,"edit":"own","delete":"own"}}'::jsonb),
  ('support', 'Support', false, '{"contact":{"read":"all","create":true,"edit":"all","delete":"none"},"company":{"read":"all","create":true,"edit":"all","delete":"none"},"deal":{"read":"all","create":false,"edit":"none","delete":"none"},"task":{"read":"all","create":true,"edit":"own","delete":"own"},"activity":{"read":"all","create":true,"edit":"own","delete":"own"},"product":{"read":"all","create":false,"edit":"none","delete":"none"},"import":{"read":"none","create":false,"edit":"none","delete":"none"}}'::jsonb),
  ('marketing', 'Marketing', false, '{"contact":{"read":"all","create":true,"edit":"all","delete":"own"},"company":{"read":"all","create":true,"edit":"own","delete":"none"},"deal":{"read":"all","create":false,"edit":"none","delete":"none"},"task":{"read":"all","create":true,"edit":"own","delete":"own"},"activity":{"read":"all","create":true,"edit":"own","delete":"own"},"product":{"read":"all","create":false,"edit":"none","delete":"none"},"import":{"read":"all","create":true,"edit":"own","delete":"own"}}'::jsonb),
  ('read_only', 'Read-only', false, '{"contact":{"read":"all","create":false,"edit":"none","delete":"none"},"company":{"read":"all","create":false,"edit":"none","delete":"none"},"deal":{"read":"all","create":false,"edit":"none","delete":"none"},"task":{"read":"all","create":false,"edit":"none","delete":"none"},"activity":{"read":"all","create":false,"edit":"none","delete":"none"},"product":{"read":"all","create":false,"edit":"none","delete":"none"},"import":{"read":"none","create":false,"edit":"none","delete":"none"}}'::jsonb)
) AS r("key", "name", "manage_settings", "permissions")
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Roles are read on every request (the actor's rights): cached per workspace like the rest of its
-- configuration (migration 0012), so a change names its workspace on the configuration channel after its commit.
CREATE TRIGGER "roles_config_changed" AFTER INSERT OR UPDATE OR DELETE ON "roles"
  FOR EACH ROW EXECUTE FUNCTION "rapport_config_changed"('workspace_id');
