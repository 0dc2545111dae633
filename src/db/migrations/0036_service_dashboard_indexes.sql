-- The service dashboard (src/modules/tickets/dashboard-queries.ts) counts the tickets solved in a period and their
-- resolution times: without this index that is a scan of the workspace's every ticket (tickets_created_idx orders by
-- creation, not solving). Partial: only solved, live tickets are ever asked for. Hand SQL (not in table.ts) so the
-- tickets module's table definition stays svc-core's; drizzle-kit never drops an index its snapshot does not know.
CREATE INDEX IF NOT EXISTS "tickets_solved_report_idx" ON "tickets" USING btree ("workspace_id", "solved_at") WHERE "solved_at" IS NOT NULL AND "deleted_at" IS NULL;
