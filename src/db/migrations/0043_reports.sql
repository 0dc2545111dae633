CREATE TABLE "report_data_versions" (
	"workspace_id" uuid NOT NULL,
	"object" text NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "report_data_versions_workspace_id_object_pk" PRIMARY KEY("workspace_id","object")
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"definition" jsonb NOT NULL,
	"owner_id" uuid,
	"visibility" text DEFAULT 'private' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("owner_id") ON UPDATE no action;--> statement-breakpoint
-- Row-level security: the workspace wall, as on every workspace table.
ALTER TABLE "reports" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reports" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "reports" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "report_data_versions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "report_data_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "report_data_versions" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
