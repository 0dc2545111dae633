ALTER TABLE "workflow_enrollments" ADD COLUMN "held_by_import" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD COLUMN "trigger_checked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "activities_occurred_idx" ON "activities" USING btree ("workspace_id","occurred_at");--> statement-breakpoint
CREATE INDEX "deals_stage_entered_idx" ON "deals" USING btree ("workspace_id","stage_entered_at");--> statement-breakpoint
CREATE INDEX "tasks_due_at_idx" ON "tasks" USING btree ("workspace_id","due_at");