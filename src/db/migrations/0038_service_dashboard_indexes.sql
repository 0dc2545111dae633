-- Covering indexes for the service dashboard (src/modules/tickets/dashboard-queries.ts), so each of its statements is
-- an index-only range scan at a million tickets instead of heap reads of every row in the period:
-- the period's new tickets (by created_at), the period's solved tickets (by solved_at: no other index orders by it),
-- and the backlog (by status). Partial on live tickets, as every dashboard query asks. Hand SQL (not in table.ts) so
-- the tickets module's table definition stays svc-core's; drizzle-kit never drops an index its snapshot does not know.
CREATE INDEX IF NOT EXISTS "tickets_report_created_idx" ON "tickets" USING btree ("workspace_id", "created_at")
  INCLUDE ("status", "priority", "channel", "queue_id", "assignee_id", "first_response_at", "solved_at", "satisfaction") WHERE "deleted_at" IS NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tickets_report_solved_idx" ON "tickets" USING btree ("workspace_id", "solved_at")
  INCLUDE ("created_at", "status", "priority", "channel", "queue_id", "assignee_id") WHERE "solved_at" IS NOT NULL AND "deleted_at" IS NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "tickets_report_backlog_idx" ON "tickets" USING btree ("workspace_id", "status")
  INCLUDE ("queue_id", "assignee_id", "channel", "priority") WHERE "deleted_at" IS NULL;
