CREATE TABLE "csat_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"delay_minutes" integer DEFAULT 60 NOT NULL,
	"question" text,
	"scale" text DEFAULT 'five' NOT NULL,
	"ask_comment" boolean DEFAULT true NOT NULL,
	"resend_days" integer DEFAULT 30 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "csat_surveys" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"ticket_number" integer NOT NULL,
	"contact_id" uuid NOT NULL,
	"agent_id" uuid,
	"queue_id" uuid,
	"scale" text NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"skip_reason" text,
	"token_hash" text,
	"send_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"rating" smallint,
	"comment" text,
	"answered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "csat_surveys_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_ticket_fk" FOREIGN KEY ("workspace_id","ticket_id") REFERENCES "public"."tickets"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE INDEX "csat_surveys_due_idx" ON "csat_surveys" USING btree ("send_at") WHERE status = 'scheduled';--> statement-breakpoint
CREATE INDEX "csat_surveys_token_idx" ON "csat_surveys" USING btree ("workspace_id","token_hash");--> statement-breakpoint
CREATE INDEX "csat_surveys_contact_idx" ON "csat_surveys" USING btree ("workspace_id","contact_id","sent_at");--> statement-breakpoint
CREATE INDEX "csat_surveys_ticket_idx" ON "csat_surveys" USING btree ("workspace_id","ticket_id");--> statement-breakpoint
CREATE INDEX "csat_surveys_sent_idx" ON "csat_surveys" USING btree ("workspace_id","sent_at");--> statement-breakpoint
-- Row-level security for the new workspace tables, as migration 0028 set it for every other one.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['csat_settings', 'csat_surveys'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
