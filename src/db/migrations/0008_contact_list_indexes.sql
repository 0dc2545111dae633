DROP INDEX "contacts_owner_idx";--> statement-breakpoint
DROP INDEX "contacts_stage_idx";--> statement-breakpoint
CREATE INDEX "contacts_owner_idx" ON "contacts" USING btree ("workspace_id","owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "contacts_stage_idx" ON "contacts" USING btree ("workspace_id","lifecycle_stage","created_at","id");