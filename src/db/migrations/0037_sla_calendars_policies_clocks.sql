CREATE TABLE "sla_calendars" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"blocks" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"holidays" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_calendars_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "sla_policies" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"condition" jsonb DEFAULT '{"all":[]}'::jsonb NOT NULL,
	"first_response_minutes" integer,
	"next_response_minutes" integer,
	"resolution_minutes" integer,
	"calendar_id" uuid,
	"warn_percent" integer DEFAULT 80 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sla_policies_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "ticket_sla_clocks" (
	"workspace_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"ticket_number" integer,
	"policy_id" uuid NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"target_minutes" integer NOT NULL,
	"due_at" timestamp with time zone,
	"warn_at" timestamp with time zone,
	"met_at" timestamp with time zone,
	"breached_at" timestamp with time zone,
	"paused" boolean DEFAULT false NOT NULL,
	"remaining_ms" bigint NOT NULL,
	"elapsed_ms" bigint NOT NULL,
	"warned_at" timestamp with time zone,
	"breach_notified_at" timestamp with time zone,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ticket_sla_clocks_workspace_id_ticket_id_metric_pk" PRIMARY KEY("workspace_id","ticket_id","metric")
);
--> statement-breakpoint
ALTER TABLE "sla_policies" ADD CONSTRAINT "sla_policies_calendar_fk" FOREIGN KEY ("workspace_id","calendar_id") REFERENCES "public"."sla_calendars"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" ADD CONSTRAINT "ticket_sla_clocks_ticket_fk" FOREIGN KEY ("workspace_id","ticket_id") REFERENCES "public"."tickets"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" ADD CONSTRAINT "ticket_sla_clocks_policy_fk" FOREIGN KEY ("workspace_id","policy_id") REFERENCES "public"."sla_policies"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "sla_calendars_default_key" ON "sla_calendars" USING btree ("workspace_id") WHERE "sla_calendars"."is_default";--> statement-breakpoint
CREATE INDEX "sla_policies_position_idx" ON "sla_policies" USING btree ("workspace_id","position");--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_due_idx" ON "ticket_sla_clocks" USING btree ("due_at") WHERE "ticket_sla_clocks"."breach_notified_at" is null and "ticket_sla_clocks"."met_at" is null and not "ticket_sla_clocks"."paused";--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_warn_idx" ON "ticket_sla_clocks" USING btree ("warn_at") WHERE "ticket_sla_clocks"."warned_at" is null and "ticket_sla_clocks"."met_at" is null and not "ticket_sla_clocks"."paused";--> statement-breakpoint
CREATE INDEX "ticket_sla_clocks_ticket_due_idx" ON "ticket_sla_clocks" USING btree ("workspace_id","due_at");--> statement-breakpoint
-- Row-level security like every workspace table (0028): the second wall behind the services' workspace filter.
ALTER TABLE "sla_calendars" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sla_calendars" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "sla_calendars" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "sla_policies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sla_policies" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "sla_policies" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ticket_sla_clocks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "ticket_sla_clocks" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
