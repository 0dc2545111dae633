CREATE TABLE "sequence_enrolments" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"sequence_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"next_step" integer DEFAULT 0 NOT NULL,
	"next_at" timestamp with time zone,
	"last_step_id" uuid,
	"exit_reason" text,
	"exit_detail" text,
	"enrolled_by_id" uuid,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sequence_enrolments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "sequence_sends" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"enrolment_id" uuid NOT NULL,
	"sequence_id" uuid NOT NULL,
	"step_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"mail_id" uuid,
	"message_id" text,
	"task_id" uuid,
	"replied_at" timestamp with time zone,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sequence_sends_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "sequence_steps" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"sequence_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"delay_minutes" integer DEFAULT 0 NOT NULL,
	"template_id" uuid,
	"task_title" text,
	"task_note" text,
	CONSTRAINT "sequence_steps_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "sequences" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"sender" text,
	"reply_to" text,
	"window" jsonb NOT NULL,
	"exits" jsonb NOT NULL,
	"exit_condition" jsonb,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sequences_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "sequence_enrolments" ADD CONSTRAINT "sequence_enrolments_sequence_fk" FOREIGN KEY ("workspace_id","sequence_id") REFERENCES "public"."sequences"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "sequence_enrolments" ADD CONSTRAINT "sequence_enrolments_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "sequence_sends" ADD CONSTRAINT "sequence_sends_enrolment_fk" FOREIGN KEY ("workspace_id","enrolment_id") REFERENCES "public"."sequence_enrolments"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "sequence_steps" ADD CONSTRAINT "sequence_steps_sequence_fk" FOREIGN KEY ("workspace_id","sequence_id") REFERENCES "public"."sequences"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "sequence_steps" ADD CONSTRAINT "sequence_steps_template_fk" FOREIGN KEY ("workspace_id","template_id") REFERENCES "public"."email_templates"("workspace_id","id") ON DELETE no action ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "sequences" ADD CONSTRAINT "sequences_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE set null ("created_by_id") ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "sequence_enrolments_one_live_key" ON "sequence_enrolments" USING btree ("workspace_id","contact_id") WHERE status in ('active', 'paused');--> statement-breakpoint
CREATE INDEX "sequence_enrolments_sequence_idx" ON "sequence_enrolments" USING btree ("workspace_id","sequence_id","status");--> statement-breakpoint
CREATE INDEX "sequence_enrolments_due_idx" ON "sequence_enrolments" USING btree ("next_at") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "sequence_sends_step_key" ON "sequence_sends" USING btree ("workspace_id","enrolment_id","step_id");--> statement-breakpoint
CREATE INDEX "sequence_sends_message_idx" ON "sequence_sends" USING btree ("workspace_id","message_id");--> statement-breakpoint
CREATE INDEX "sequence_sends_step_idx" ON "sequence_sends" USING btree ("workspace_id","sequence_id","step_id");--> statement-breakpoint
CREATE INDEX "sequence_steps_sequence_idx" ON "sequence_steps" USING btree ("workspace_id","sequence_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "sequences_name_key" ON "sequences" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
-- Row-level security for the new workspace tables, as migration 0028 set it for every other one.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sequences', 'sequence_steps', 'sequence_enrolments', 'sequence_sends'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
