CREATE TABLE "deal_stage_flow" (
	"workspace_id" uuid NOT NULL,
	"pipeline_id" uuid NOT NULL,
	"day" date NOT NULL,
	"to_stage_id" uuid NOT NULL,
	"next_stage_id" uuid,
	"entries" integer DEFAULT 0 NOT NULL,
	"left_count" integer DEFAULT 0 NOT NULL,
	"seconds_in_stage" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "deal_stage_flow_key" UNIQUE NULLS NOT DISTINCT("workspace_id","pipeline_id","day","to_stage_id","next_stage_id")
);
--> statement-breakpoint
CREATE TABLE "deal_stage_totals" (
	"workspace_id" uuid NOT NULL,
	"stage_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"pipeline_id" uuid NOT NULL,
	"deal_count" integer DEFAULT 0 NOT NULL,
	"amount" numeric(20, 2) DEFAULT '0' NOT NULL,
	CONSTRAINT "deal_stage_totals_workspace_id_stage_id_currency_pk" PRIMARY KEY("workspace_id","stage_id","currency")
);
--> statement-breakpoint
DROP INDEX "deal_stage_changes_pipeline_at_idx";--> statement-breakpoint
ALTER TABLE "deal_stage_changes" ADD COLUMN "left_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deal_stage_changes" ADD COLUMN "next_stage_id" uuid;--> statement-breakpoint
-- Derived data, kept by statement triggers so that every writer of deals and stage changes (services, imports,
-- merges, stage deletion, the seed, SQL by hand) keeps it exact. Set-based: one statement moving 10k deals
-- runs each trigger once over its transition tables.
INSERT INTO "deal_stage_totals" ("workspace_id", "stage_id", "currency", "pipeline_id", "deal_count", "amount")
SELECT "workspace_id", "stage_id", "currency", "pipeline_id", count(*), coalesce(sum("amount"), 0)
  FROM "deals" WHERE "deleted_at" IS NULL
 GROUP BY "workspace_id", "stage_id", "currency", "pipeline_id";--> statement-breakpoint
CREATE FUNCTION "deal_stage_totals_sync"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM old_deals) w ORDER BY k;
  ELSE
    -- Every roll-up row a transaction locks (totals, flow) is locked while it holds this workspace's advisory lock,
    -- taken by the first of these triggers to run in it: two transactions cannot then lock roll-up rows in different
    -- orders (a move touches totals, then today's flow row, then the previous change's), which deadlocked at 10
    -- concurrent moves. Deal writes of one workspace queue here from their first trigger to their commit.
    -- An edit that changes no stage, currency, amount or trash state (a rename, a new owner) changes no totals.
    -- (Nested: an insert trigger has no old_deals to plan.)
    IF TG_OP = 'UPDATE' THEN
      IF NOT EXISTS (
        SELECT 1 FROM new_deals n JOIN old_deals o ON o.workspace_id = n.workspace_id AND o.id = n.id
         WHERE (n.stage_id, n.pipeline_id, n.currency, n.amount, n.deleted_at IS NULL) IS DISTINCT FROM (o.stage_id, o.pipeline_id, o.currency, o.amount, o.deleted_at IS NULL)) THEN
        RETURN NULL;
      END IF;
    END IF;
    PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM new_deals) w ORDER BY k;
  END IF;
  -- Rows are upserted in key order, so two transactions moving deals between the same stages lock the
  -- totals rows in the same order and cannot deadlock on them. Deltas that cancel (an edit that moves
  -- nothing) write nothing and lock nothing.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO deal_stage_totals AS t (workspace_id, stage_id, currency, pipeline_id, deal_count, amount)
    SELECT workspace_id, stage_id, currency, pipeline_id, count(*), coalesce(sum(amount), 0)
      FROM new_deals WHERE deleted_at IS NULL
     GROUP BY workspace_id, stage_id, currency, pipeline_id
     ORDER BY workspace_id, stage_id, currency
    ON CONFLICT (workspace_id, stage_id, currency)
    DO UPDATE SET deal_count = t.deal_count + excluded.deal_count, amount = t.amount + excluded.amount;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO deal_stage_totals AS t (workspace_id, stage_id, currency, pipeline_id, deal_count, amount)
    SELECT workspace_id, stage_id, currency, pipeline_id, sum(n), sum(a)
      FROM (SELECT workspace_id, stage_id, currency, pipeline_id, 1 AS n, coalesce(amount, 0) AS a FROM new_deals WHERE deleted_at IS NULL
            UNION ALL
            SELECT workspace_id, stage_id, currency, pipeline_id, -1, -coalesce(amount, 0) FROM old_deals WHERE deleted_at IS NULL) d
     GROUP BY workspace_id, stage_id, currency, pipeline_id
    HAVING sum(n) <> 0 OR sum(a) <> 0
     ORDER BY workspace_id, stage_id, currency
    ON CONFLICT (workspace_id, stage_id, currency)
    DO UPDATE SET deal_count = t.deal_count + excluded.deal_count, amount = t.amount + excluded.amount;
  ELSE
    -- Deals are only ever deleted for good with their workspace: take them off rows that exist, add none.
    UPDATE deal_stage_totals t SET deal_count = t.deal_count - d.n, amount = t.amount - d.a
      FROM (SELECT workspace_id, stage_id, currency, count(*) AS n, coalesce(sum(amount), 0) AS a
              FROM old_deals WHERE deleted_at IS NULL GROUP BY workspace_id, stage_id, currency) d
     WHERE t.workspace_id = d.workspace_id AND t.stage_id = d.stage_id AND t.currency = d.currency;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "deals_stage_totals_insert" AFTER INSERT ON "deals" REFERENCING NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_totals_sync"();--> statement-breakpoint
CREATE TRIGGER "deals_stage_totals_update" AFTER UPDATE ON "deals" REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_totals_sync"();--> statement-breakpoint
CREATE TRIGGER "deals_stage_totals_delete" AFTER DELETE ON "deals" REFERENCING OLD TABLE AS old_deals
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_totals_sync"();--> statement-breakpoint
-- Each change learns when its deal left the stage and where to: set-based for the existing log ...
UPDATE "deal_stage_changes" c SET "left_at" = n."next_at", "next_stage_id" = n."next_stage"
  FROM (SELECT "workspace_id", "id",
               lead("at") OVER w AS "next_at", lead("to_stage_id") OVER w AS "next_stage"
          FROM "deal_stage_changes"
        WINDOW w AS (PARTITION BY "workspace_id", "deal_id" ORDER BY "at", "id")) n
 WHERE c."workspace_id" = n."workspace_id" AND c."id" = n."id" AND n."next_at" IS NOT NULL;--> statement-breakpoint
-- ... and from now on, when the next change is written: the new change's predecessor points at it, and a
-- change written with an earlier time than an existing one (a backdated import) points at its successor.
CREATE FUNCTION "deal_stage_changes_link"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The workspace's roll-up lock first (see deal_stage_totals_sync).
  PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM new_changes) w ORDER BY k;
  UPDATE deal_stage_changes p SET left_at = n.at, next_stage_id = n.to_stage_id
    FROM new_changes n
    CROSS JOIN LATERAL (SELECT c.id FROM deal_stage_changes c
                         WHERE c.workspace_id = n.workspace_id AND c.deal_id = n.deal_id AND (c.at, c.id) < (n.at, n.id)
                         ORDER BY c.at DESC, c.id DESC LIMIT 1) prev
   WHERE p.workspace_id = n.workspace_id AND p.id = prev.id;
  UPDATE deal_stage_changes p SET left_at = nx.at, next_stage_id = nx.to_stage_id
    FROM new_changes n
    CROSS JOIN LATERAL (SELECT c.at, c.to_stage_id FROM deal_stage_changes c
                         WHERE c.workspace_id = n.workspace_id AND c.deal_id = n.deal_id AND (c.at, c.id) > (n.at, n.id)
                         ORDER BY c.at, c.id LIMIT 1) nx
   WHERE p.workspace_id = n.workspace_id AND p.id = n.id;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "deal_stage_changes_link" AFTER INSERT ON "deal_stage_changes" REFERENCING NEW TABLE AS new_changes
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_changes_link"();--> statement-breakpoint
CREATE INDEX "deal_stage_changes_flow_idx" ON "deal_stage_changes" USING btree ("workspace_id","pipeline_id","at","to_stage_id","deal_id","next_stage_id","left_at");
--> statement-breakpoint
-- The stage flow roll-up: each change counts once in its day's (stage, next stage) row; when a change is linked to
-- the next one (the link trigger's UPDATE), it moves from the "still there" row to the "left for …" row.
INSERT INTO "deal_stage_flow" ("workspace_id", "pipeline_id", "day", "to_stage_id", "next_stage_id", "entries", "left_count", "seconds_in_stage")
SELECT "workspace_id", "pipeline_id", ("at" AT TIME ZONE 'UTC')::date, "to_stage_id", "next_stage_id",
       count(*), count("left_at"), coalesce(sum(extract(epoch FROM ("left_at" - "at"))), 0)
  FROM "deal_stage_changes"
 GROUP BY 1, 2, 3, 4, 5;--> statement-breakpoint
CREATE FUNCTION "deal_stage_flow_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The workspace's roll-up lock first (see deal_stage_totals_sync).
  PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM new_changes) w ORDER BY k;
  -- One set-based upsert per statement, in key order (see deal_stage_totals_sync): +1 per new change.
  WITH delta AS (
    SELECT workspace_id, pipeline_id, (at AT TIME ZONE 'UTC')::date AS day, to_stage_id, next_stage_id,
           1 AS n, (left_at IS NOT NULL)::int AS l, coalesce(extract(epoch FROM (left_at - at)), 0) AS secs
      FROM new_changes
  )
  INSERT INTO deal_stage_flow AS f (workspace_id, pipeline_id, day, to_stage_id, next_stage_id, entries, left_count, seconds_in_stage)
  SELECT workspace_id, pipeline_id, day, to_stage_id, next_stage_id, sum(n), sum(l), sum(secs)
    FROM delta
   GROUP BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  HAVING sum(n) <> 0 OR sum(l) <> 0 OR sum(secs) <> 0
   ORDER BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  ON CONFLICT (workspace_id, pipeline_id, day, to_stage_id, next_stage_id)
  DO UPDATE SET entries = f.entries + excluded.entries, left_count = f.left_count + excluded.left_count,
                seconds_in_stage = f.seconds_in_stage + excluded.seconds_in_stage;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "deal_stage_flow_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The workspace's roll-up lock first (see deal_stage_totals_sync).
  PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM new_changes) w ORDER BY k;
  -- One set-based upsert per statement, in key order: +1 for each row's new version, -1 for its old one.
  WITH delta AS (
    SELECT workspace_id, pipeline_id, (at AT TIME ZONE 'UTC')::date AS day, to_stage_id, next_stage_id,
           1 AS n, (left_at IS NOT NULL)::int AS l, coalesce(extract(epoch FROM (left_at - at)), 0) AS secs
      FROM new_changes
    UNION ALL
    SELECT workspace_id, pipeline_id, (at AT TIME ZONE 'UTC')::date, to_stage_id, next_stage_id,
           -1, -(left_at IS NOT NULL)::int, -coalesce(extract(epoch FROM (left_at - at)), 0)
      FROM old_changes
  )
  INSERT INTO deal_stage_flow AS f (workspace_id, pipeline_id, day, to_stage_id, next_stage_id, entries, left_count, seconds_in_stage)
  SELECT workspace_id, pipeline_id, day, to_stage_id, next_stage_id, sum(n), sum(l), sum(secs)
    FROM delta
   GROUP BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  HAVING sum(n) <> 0 OR sum(l) <> 0 OR sum(secs) <> 0
   ORDER BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  ON CONFLICT (workspace_id, pipeline_id, day, to_stage_id, next_stage_id)
  DO UPDATE SET entries = f.entries + excluded.entries, left_count = f.left_count + excluded.left_count,
                seconds_in_stage = f.seconds_in_stage + excluded.seconds_in_stage;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION "deal_stage_flow_remove"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The workspace's roll-up lock first (see deal_stage_totals_sync).
  PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended('rapport.deal_rollups ' || workspace_id::text, 0) AS k FROM old_changes) w ORDER BY k;
  -- One set-based upsert per statement, in key order: -1 per removed change.
  WITH delta AS (
    SELECT workspace_id, pipeline_id, (at AT TIME ZONE 'UTC')::date AS day, to_stage_id, next_stage_id,
           -1 AS n, -(left_at IS NOT NULL)::int AS l, -coalesce(extract(epoch FROM (left_at - at)), 0) AS secs
      FROM old_changes
  )
  INSERT INTO deal_stage_flow AS f (workspace_id, pipeline_id, day, to_stage_id, next_stage_id, entries, left_count, seconds_in_stage)
  SELECT workspace_id, pipeline_id, day, to_stage_id, next_stage_id, sum(n), sum(l), sum(secs)
    FROM delta
   GROUP BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  HAVING sum(n) <> 0 OR sum(l) <> 0 OR sum(secs) <> 0
   ORDER BY workspace_id, pipeline_id, day, to_stage_id, next_stage_id
  ON CONFLICT (workspace_id, pipeline_id, day, to_stage_id, next_stage_id)
  DO UPDATE SET entries = f.entries + excluded.entries, left_count = f.left_count + excluded.left_count,
                seconds_in_stage = f.seconds_in_stage + excluded.seconds_in_stage;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "deal_stage_flow_insert" AFTER INSERT ON "deal_stage_changes" REFERENCING NEW TABLE AS new_changes
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_flow_add"();--> statement-breakpoint
CREATE TRIGGER "deal_stage_flow_update" AFTER UPDATE ON "deal_stage_changes" REFERENCING OLD TABLE AS old_changes NEW TABLE AS new_changes
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_flow_move"();--> statement-breakpoint
CREATE TRIGGER "deal_stage_flow_delete" AFTER DELETE ON "deal_stage_changes" REFERENCING OLD TABLE AS old_changes
  FOR EACH STATEMENT EXECUTE FUNCTION "deal_stage_flow_remove"();
