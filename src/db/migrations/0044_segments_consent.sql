CREATE TABLE "consent_records" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"topic_id" uuid,
	"status" text NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"form_id" text,
	"ip" text,
	"note" text,
	"actor_id" uuid,
	CONSTRAINT "consent_records_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "consent_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"link_secret" text NOT NULL,
	"soft_bounce_limit" integer DEFAULT 3 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_topics" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consent_topics_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "suppression_log" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"address" text NOT NULL,
	"action" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"actor_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppression_log_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"workspace_id" uuid NOT NULL,
	"address" text NOT NULL,
	"reason" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_workspace_id_address_pk" PRIMARY KEY("workspace_id","address")
);
--> statement-breakpoint
CREATE TABLE "segment_members" (
	"workspace_id" uuid NOT NULL,
	"segment_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segment_members_workspace_id_segment_id_contact_id_pk" PRIMARY KEY("workspace_id","segment_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"condition" jsonb,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "consent_records" ADD CONSTRAINT "consent_records_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "consent_records" ADD CONSTRAINT "consent_records_topic_fk" FOREIGN KEY ("workspace_id","topic_id") REFERENCES "public"."consent_topics"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "consent_records" ADD CONSTRAINT "consent_records_actor_fk" FOREIGN KEY ("workspace_id","actor_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE set null ("actor_id") ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "suppression_log" ADD CONSTRAINT "suppression_log_actor_fk" FOREIGN KEY ("workspace_id","actor_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE set null ("actor_id") ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE set null ("created_by_id") ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "segment_members" ADD CONSTRAINT "segment_members_segment_fk" FOREIGN KEY ("workspace_id","segment_id") REFERENCES "public"."segments"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "segment_members" ADD CONSTRAINT "segment_members_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE set null ("created_by_id") ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE INDEX "consent_records_latest_idx" ON "consent_records" USING btree ("workspace_id","contact_id","channel","topic_id","recorded_at");--> statement-breakpoint
CREATE UNIQUE INDEX "consent_topics_name_key" ON "consent_topics" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
CREATE INDEX "suppression_log_address_idx" ON "suppression_log" USING btree ("workspace_id","address","at");--> statement-breakpoint
CREATE INDEX "suppression_log_at_idx" ON "suppression_log" USING btree ("workspace_id","at");--> statement-breakpoint
CREATE INDEX "suppressions_created_idx" ON "suppressions" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "segment_members_contact_idx" ON "segment_members" USING btree ("workspace_id","contact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "segments_name_key" ON "segments" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
ALTER TABLE "segments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "segments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "segments" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "segment_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "segment_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "segment_members" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "consent_topics" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "consent_topics" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "consent_topics" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "consent_records" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "consent_records" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "consent_records" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "suppressions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "suppressions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "suppressions" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "suppression_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "suppression_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "suppression_log" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "consent_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "consent_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "consent_settings" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
