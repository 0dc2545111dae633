CREATE TABLE "email_templates" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"subject" text NOT NULL,
	"preheader" text,
	"body" text NOT NULL,
	"mode" text DEFAULT 'rich' NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_templates_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "mail_dkim_keys" (
	"workspace_id" uuid NOT NULL,
	"domain" text NOT NULL,
	"selector" text NOT NULL,
	"private_key" text NOT NULL,
	"public_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mail_dkim_keys_workspace_id_domain_pk" PRIMARY KEY("workspace_id","domain")
);
--> statement-breakpoint
CREATE TABLE "mail_sending_settings" (
	"workspace_id" uuid NOT NULL,
	"senders" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"bounce_address" text,
	"tracking_base_url" text,
	"link_secret" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mail_sending_settings_workspace_id_pk" PRIMARY KEY("workspace_id")
);
--> statement-breakpoint
CREATE TABLE "mail_tracking_events" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"mail_id" uuid NOT NULL,
	"contact_id" uuid,
	"kind" text NOT NULL,
	"url" text,
	"machine" boolean DEFAULT false NOT NULL,
	"machine_reason" text,
	"user_agent" text,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "mail_tracking_events_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "email_templates" ADD CONSTRAINT "email_templates_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "mail_tracking_events" ADD CONSTRAINT "mail_tracking_events_mail_fk" FOREIGN KEY ("workspace_id","mail_id") REFERENCES "public"."mail_messages"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "mail_tracking_events" ADD CONSTRAINT "mail_tracking_events_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE SET NULL ("contact_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE INDEX "email_templates_name_idx" ON "email_templates" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE INDEX "mail_sending_settings_bounce_idx" ON "mail_sending_settings" USING btree ("bounce_address");--> statement-breakpoint
CREATE INDEX "mail_tracking_events_mail_idx" ON "mail_tracking_events" USING btree ("workspace_id","mail_id","kind","at");--> statement-breakpoint
CREATE INDEX "mail_tracking_events_contact_idx" ON "mail_tracking_events" USING btree ("workspace_id","contact_id","at");--> statement-breakpoint
ALTER TABLE "email_templates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "email_templates" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "email_templates" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "mail_dkim_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mail_dkim_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "mail_dkim_keys" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "mail_sending_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mail_sending_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "mail_sending_settings" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "mail_tracking_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mail_tracking_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "mail_tracking_events" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
