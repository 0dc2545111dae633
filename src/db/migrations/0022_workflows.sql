CREATE TABLE "workflow_counters" (
	"workspace_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "workflow_counters_workspace_id_workflow_id_key_pk" PRIMARY KEY("workspace_id","workflow_id","key")
);
--> statement-breakpoint
CREATE TABLE "workflow_enrollments" (
	"workspace_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"record_id" uuid NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"matching" boolean DEFAULT true NOT NULL,
	"last_enrolled_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_enrollments_workspace_id_workflow_id_record_id_pk" PRIMARY KEY("workspace_id","workflow_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "workflow_misses" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"record_id" uuid,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_misses_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workflow_runs" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"state" text DEFAULT 'running' NOT NULL,
	"object" text,
	"record_id" uuid,
	"record_label" text,
	"trigger_type" text NOT NULL,
	"trigger_key" text NOT NULL,
	"trigger_event_id" uuid,
	"trigger_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"current_step_id" text,
	"outputs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"waiting_until" timestamp with time zone,
	"wait_kind" text,
	"error" text,
	"retries" integer DEFAULT 0 NOT NULL,
	"started_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "workflow_runs_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workflow_step_runs" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"step_id" text NOT NULL,
	"step_type" text NOT NULL,
	"step_name" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"state" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" text,
	"summary" text,
	"branch" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	CONSTRAINT "workflow_step_runs_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"definition" jsonb NOT NULL,
	"trigger_type" text NOT NULL,
	"trigger_object" text,
	"published_at" timestamp with time zone,
	"published_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"team_id" uuid,
	"published_version" integer,
	"health_state" text DEFAULT 'ok' NOT NULL,
	"health_message" text,
	"health_since" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "workflow_counters" ADD CONSTRAINT "workflow_counters_workspace_id_workflow_id_workflows_workspace_id_id_fk" FOREIGN KEY ("workspace_id","workflow_id") REFERENCES "public"."workflows"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_enrollments" ADD CONSTRAINT "workflow_enrollments_workspace_id_workflow_id_workflows_workspace_id_id_fk" FOREIGN KEY ("workspace_id","workflow_id") REFERENCES "public"."workflows"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_misses" ADD CONSTRAINT "workflow_misses_workspace_id_workflow_id_workflows_workspace_id_id_fk" FOREIGN KEY ("workspace_id","workflow_id") REFERENCES "public"."workflows"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_runs" ADD CONSTRAINT "workflow_runs_workspace_id_workflow_id_workflows_workspace_id_id_fk" FOREIGN KEY ("workspace_id","workflow_id") REFERENCES "public"."workflows"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_step_runs" ADD CONSTRAINT "workflow_step_runs_workspace_id_run_id_workflow_runs_workspace_id_id_fk" FOREIGN KEY ("workspace_id","run_id") REFERENCES "public"."workflow_runs"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workspace_id_workflow_id_workflows_workspace_id_id_fk" FOREIGN KEY ("workspace_id","workflow_id") REFERENCES "public"."workflows"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_misses_idx" ON "workflow_misses" USING btree ("workspace_id","workflow_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_runs_trigger_key" ON "workflow_runs" USING btree ("workspace_id","version_id","trigger_key");--> statement-breakpoint
CREATE INDEX "workflow_runs_workflow_idx" ON "workflow_runs" USING btree ("workspace_id","workflow_id","created_at","id");--> statement-breakpoint
CREATE INDEX "workflow_runs_record_idx" ON "workflow_runs" USING btree ("workspace_id","record_id","created_at");--> statement-breakpoint
CREATE INDEX "workflow_runs_waiting_idx" ON "workflow_runs" USING btree ("waiting_until") WHERE state = 'waiting';--> statement-breakpoint
CREATE INDEX "workflow_runs_open_idx" ON "workflow_runs" USING btree ("workspace_id","state") WHERE state in ('running', 'waiting', 'failed');--> statement-breakpoint
CREATE INDEX "workflow_step_runs_run_idx" ON "workflow_step_runs" USING btree ("workspace_id","run_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_number_key" ON "workflow_versions" USING btree ("workspace_id","workflow_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_one_draft" ON "workflow_versions" USING btree ("workspace_id","workflow_id") WHERE state = 'draft';--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_versions_one_published" ON "workflow_versions" USING btree ("workspace_id","workflow_id") WHERE state = 'published';--> statement-breakpoint
CREATE INDEX "workflow_versions_live_idx" ON "workflow_versions" USING btree ("workspace_id","trigger_type") WHERE state = 'published';