CREATE TABLE "kb_article_versions" (
	"workspace_id" uuid NOT NULL,
	"article_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"title" text NOT NULL,
	"body_html" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_article_versions_workspace_id_article_id_version_pk" PRIMARY KEY("workspace_id","article_id","version")
);
--> statement-breakpoint
CREATE TABLE "kb_articles" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"category_id" uuid,
	"title" text NOT NULL,
	"slug" text NOT NULL,
	"body_html" text DEFAULT '' NOT NULL,
	"body_text" text DEFAULT '' NOT NULL,
	"visibility" text DEFAULT 'internal' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"published_at" timestamp with time zone,
	"author_id" uuid,
	"updated_by_id" uuid,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', "kb_articles"."title"), 'A') || setweight(to_tsvector('english', left("kb_articles"."body_text", 200000)), 'B')) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_articles_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "kb_categories" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kb_categories_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "kb_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"help_centre_enabled" boolean DEFAULT true NOT NULL,
	"help_centre_title" text,
	"portal_company_tickets" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "portal_links" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"email" text NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "portal_links_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "portal_sessions" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"csrf_token" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "portal_sessions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "kb_article_versions" ADD CONSTRAINT "kb_article_versions_article_fk" FOREIGN KEY ("workspace_id","article_id") REFERENCES "public"."kb_articles"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_article_versions" ADD CONSTRAINT "kb_article_versions_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_category_fk" FOREIGN KEY ("workspace_id","category_id") REFERENCES "public"."kb_categories"("workspace_id","id") ON DELETE SET NULL ("category_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_author_fk" FOREIGN KEY ("workspace_id","author_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("author_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_updated_by_fk" FOREIGN KEY ("workspace_id","updated_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("updated_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "portal_links" ADD CONSTRAINT "portal_links_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "portal_sessions" ADD CONSTRAINT "portal_sessions_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "kb_articles_slug_key" ON "kb_articles" USING btree ("workspace_id","slug");--> statement-breakpoint
CREATE INDEX "kb_articles_list_idx" ON "kb_articles" USING btree ("workspace_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "kb_articles_category_idx" ON "kb_articles" USING btree ("workspace_id","category_id","status","visibility");--> statement-breakpoint
CREATE INDEX "kb_articles_search_idx" ON "kb_articles" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "kb_categories_order_idx" ON "kb_categories" USING btree ("workspace_id","position","name");--> statement-breakpoint
CREATE INDEX "portal_links_token_idx" ON "portal_links" USING btree ("workspace_id","token_hash");--> statement-breakpoint
CREATE INDEX "portal_links_email_idx" ON "portal_links" USING btree ("workspace_id","email","created_at");--> statement-breakpoint
CREATE INDEX "portal_sessions_token_idx" ON "portal_sessions" USING btree ("workspace_id","token_hash");--> statement-breakpoint
-- Row-level security for the new workspace tables, as migration 0028 set it for every other one.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['kb_categories', 'kb_articles', 'kb_article_versions', 'kb_settings', 'portal_links', 'portal_sessions'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;

--> statement-breakpoint
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
