CREATE TABLE "insight_models" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"object" text NOT NULL,
	"name" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'untrained' NOT NULL,
	"problem" text,
	"progress" jsonb,
	"features" jsonb,
	"parameters" jsonb,
	"metrics" jsonb,
	"used_for_forecast" boolean DEFAULT false NOT NULL,
	"trained_at" timestamp with time zone,
	"size_bytes" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insight_models_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "insight_scores" (
	"workspace_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"record_id" uuid NOT NULL,
	"probability" double precision NOT NULL,
	"factors" jsonb NOT NULL,
	"held_out" boolean DEFAULT false NOT NULL,
	"scored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insight_scores_workspace_id_model_id_record_id_pk" PRIMARY KEY("workspace_id","model_id","record_id")
);
--> statement-breakpoint
ALTER TABLE "insight_scores" ADD CONSTRAINT "insight_scores_model_fk" FOREIGN KEY ("workspace_id","model_id") REFERENCES "public"."insight_models"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "insight_models_kind_key" ON "insight_models" USING btree ("workspace_id","kind");--> statement-breakpoint
CREATE INDEX "insight_scores_rank_idx" ON "insight_scores" USING btree ("workspace_id","model_id","probability" desc,"record_id");--> statement-breakpoint
CREATE INDEX "insight_scores_record_idx" ON "insight_scores" USING btree ("workspace_id","record_id");--> statement-breakpoint
-- Row-level security for the new workspace tables, as migration 0028 set it for every other one.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['insight_models', 'insight_scores'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
