CREATE TABLE "api_key_usage" (
	"workspace_id" uuid NOT NULL,
	"api_key_id" uuid NOT NULL,
	"day" date NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "api_key_usage_workspace_id_api_key_id_day_pk" PRIMARY KEY("workspace_id","api_key_id","day")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"api_key_id" uuid,
	"action" text NOT NULL,
	"object" text NOT NULL,
	"object_id" uuid,
	"record_name" text,
	"summary" text NOT NULL,
	"changes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ip" text,
	"user_agent" text,
	"event_id" uuid,
	CONSTRAINT "audit_log_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"retention_days" integer DEFAULT 365 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("workspace_id","at","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("workspace_id","actor_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_object_idx" ON "audit_log" USING btree ("workspace_id","object","object_id");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_event_key" ON "audit_log" USING btree ("workspace_id","event_id");--> statement-breakpoint
-- The audit log reads the stream from its oldest kept event, not from the present as a new consumer would: the changes
-- of the days before the upgrade (events are kept 30 days) and a new install's first changes are on record too.
INSERT INTO "event_consumers" ("name", "position") VALUES ('audit', 0) ON CONFLICT ("name") DO NOTHING;
