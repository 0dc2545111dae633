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
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "kb_article_versions" ADD CONSTRAINT "kb_article_versions_article_fk" FOREIGN KEY ("workspace_id","article_id") REFERENCES "public"."kb_articles"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_article_versions" ADD CONSTRAINT "kb_article_versions_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_category_fk" FOREIGN KEY ("workspace_id","category_id") REFERENCES "public"."kb_categories"("workspace_id","id") ON DELETE SET NULL ("category_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_author_fk" FOREIGN KEY ("workspace_id","author_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("author_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
ALTER TABLE "kb_articles" ADD CONSTRAINT "kb_articles_updated_by_fk" FOREIGN KEY ("workspace_id","updated_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("updated_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "kb_articles_slug_key" ON "kb_articles" USING btree ("workspace_id","slug");--> statement-breakpoint
CREATE INDEX "kb_articles_list_idx" ON "kb_articles" USING btree ("workspace_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "kb_articles_category_idx" ON "kb_articles" USING btree ("workspace_id","category_id","status","visibility");--> statement-breakpoint
CREATE INDEX "kb_articles_search_idx" ON "kb_articles" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "kb_categories_order_idx" ON "kb_categories" USING btree ("workspace_id","position","name");--> statement-breakpoint
-- Row-level security for the new workspace tables, as migration 0028 set it for every other one.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['kb_categories', 'kb_articles', 'kb_article_versions', 'kb_settings'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
