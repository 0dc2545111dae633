CREATE TABLE "deal_forecast_months" (
	"workspace_id" uuid NOT NULL,
	"month" date NOT NULL,
	"status" text NOT NULL,
	"pipeline_id" uuid NOT NULL,
	"stage_id" uuid NOT NULL,
	"owner_id" uuid,
	"currency" text NOT NULL,
	"deal_count" integer DEFAULT 0 NOT NULL,
	"amount" numeric(20, 2) DEFAULT '0' NOT NULL,
	CONSTRAINT "deal_forecast_months_key" UNIQUE NULLS NOT DISTINCT("workspace_id","month","status","pipeline_id","stage_id","owner_id","currency")
);
--> statement-breakpoint
DROP INDEX "deals_open_close_date_idx";--> statement-breakpoint
-- The month a deal counts in: won deals by when they closed (UTC), open ones by when they are expected to close.
CREATE FUNCTION "deal_forecast_month"("status" text, "closed_at" timestamptz, "expected_close_date" date) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE status WHEN 'won' THEN date_trunc('month', closed_at AT TIME ZONE 'UTC')::date
                     WHEN 'open' THEN date_trunc('month', expected_close_date::timestamp)::date END
$$;--> statement-breakpoint
INSERT INTO "deal_forecast_months" ("workspace_id", "month", "status", "pipeline_id", "stage_id", "owner_id", "currency", "deal_count", "amount")
SELECT "workspace_id", deal_forecast_month("status", "closed_at", "expected_close_date") AS m, "status", "pipeline_id", "stage_id", "owner_id", "currency",
       count(*), coalesce(sum("amount"), 0)
  FROM "deals" WHERE "deleted_at" IS NULL AND deal_forecast_month("status", "closed_at", "expected_close_date") IS NOT NULL
 GROUP BY "workspace_id", m, "status", "pipeline_id", "stage_id", "owner_id", "currency";--> statement-breakpoint
-- Kept like deal_stage_totals (migration 0004): one statement trigger per write, deltas upserted in key order,
-- after the workspace's roll-up lock (these triggers fire before the totals' ones, so they take it first).
CREATE FUNCTION "deal_forecast_months_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM old_deals) w ORDER BY k;
    UPDATE deal_forecast_months t SET deal_count = t.deal_count - d.n, amount = t.amount - d.a
      FROM (SELECT workspace_id, deal_forecast_month(status, closed_at, expected_close_date) AS month, status, pipeline_id, stage_id, owner_id, currency,
                   count(*) AS n, coalesce(sum(amount), 0) AS a
              FROM old_deals WHERE deleted_at IS NULL
             GROUP BY 1, 2, 3, 4, 5, 6, 7) d
     WHERE d.month IS NOT NULL AND t.workspace_id = d.workspace_id AND t.month = d.month AND t.status = d.status AND t.pipeline_id = d.pipeline_id
       AND t.stage_id = d.stage_id AND t.owner_id IS NOT DISTINCT FROM d.owner_id AND t.currency = d.currency;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    -- An edit that changes nothing a forecast counts (a rename, a contact) changes no row.
    IF NOT EXISTS (
      SELECT 1 FROM new_deals n JOIN old_deals o ON o.workspace_id = n.workspace_id AND o.id = n.id
       WHERE (n.status, n.closed_at, n.expected_close_date, n.pipeline_id, n.stage_id, n.owner_id, n.currency, n.amount, n.deleted_at IS NULL)
             IS DISTINCT FROM (o.status, o.closed_at, o.expected_close_date, o.pipeline_id, o.stage_id, o.owner_id, o.currency, o.amount, o.deleted_at IS NULL)) THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM new_deals) w ORDER BY k;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_forecast_months AS t (workspace_id, month, status, pipeline_id, stage_id, owner_id, currency, deal_count, amount)
    SELECT workspace_id, month, status, pipeline_id, stage_id, owner_id, currency, count(*), coalesce(sum(amount), 0)
      FROM (SELECT *, deal_forecast_month(status, closed_at, expected_close_date) AS month FROM new_deals WHERE deleted_at IS NULL) d
     WHERE month IS NOT NULL
     GROUP BY workspace_id, month, status, pipeline_id, stage_id, owner_id, currency
     ORDER BY workspace_id, month, status, pipeline_id, stage_id, owner_id, currency
    ON CONFLICT ON CONSTRAINT deal_forecast_months_key
    DO UPDATE SET deal_count = t.deal_count + excluded.deal_count, amount = t.amount + excluded.amount;
  ELSE
    INSERT INTO deal_forecast_months AS t (workspace_id, month, status, pipeline_id, stage_id, owner_id, currency, deal_count, amount)
    SELECT workspace_id, month, status, pipeline_id, stage_id, owner_id, currency, sum(n), sum(a)
      FROM (SELECT workspace_id, deal_forecast_month(status, closed_at, expected_close_date) AS month, status, pipeline_id, stage_id, owner_id, currency,
                   1 AS n, coalesce(amount, 0) AS a
              FROM new_deals WHERE deleted_at IS NULL
            UNION ALL
            SELECT workspace_id, deal_forecast_month(status, closed_at, expected_close_date), status, pipeline_id, stage_id, owner_id, currency,
                   -1, -coalesce(amount, 0)
              FROM old_deals WHERE deleted_at IS NULL) d
     WHERE month IS NOT NULL
     GROUP BY workspace_id, month, status, pipeline_id, stage_id, owner_id, currency
    HAVING sum(n) <> 0 OR sum(a) <> 0
     ORDER BY workspace_id, month, status, pipeline_id, stage_id, owner_id, currency
    ON CONFLICT ON CONSTRAINT deal_forecast_months_key
    DO UPDATE SET deal_count = t.deal_count + excluded.deal_count, amount = t.amount + excluded.amount;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "deals_forecast_months_insert" AFTER INSERT ON "deals" REFERENCING NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_forecast_months_sync"();--> statement-breakpoint
CREATE TRIGGER "deals_forecast_months_update" AFTER UPDATE ON "deals" REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_forecast_months_sync"();--> statement-breakpoint
CREATE TRIGGER "deals_forecast_months_delete" AFTER DELETE ON "deals" REFERENCING OLD TABLE AS old_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_forecast_months_sync"();
