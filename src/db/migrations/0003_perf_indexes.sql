DROP INDEX "contacts_company_idx";--> statement-breakpoint
CREATE INDEX "deal_stage_changes_pipeline_at_idx" ON "deal_stage_changes" USING btree ("workspace_id","pipeline_id","at","deal_id","to_stage_id","id");--> statement-breakpoint
CREATE INDEX "deals_pipeline_totals_idx" ON "deals" USING btree ("workspace_id","pipeline_id","status","stage_id","currency","amount") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "deals_closed_cover_idx" ON "deals" USING btree ("workspace_id","status","closed_at","pipeline_id","stage_id","owner_id","currency","amount") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "deals_open_close_date_idx" ON "deals" USING btree ("workspace_id","expected_close_date","pipeline_id","stage_id","owner_id","currency","amount","status") WHERE status = 'open' and deleted_at is null;--> statement-breakpoint
CREATE INDEX "contacts_company_idx" ON "contacts" USING btree ("workspace_id","company_id","id");