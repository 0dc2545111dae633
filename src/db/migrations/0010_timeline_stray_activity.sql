ALTER TABLE "contacts" ADD COLUMN "stray_activity_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "contacts_stray_activity_idx" ON "contacts" USING btree ("workspace_id","company_id","stray_activity_at") WHERE stray_activity_at is not null;--> statement-breakpoint
-- A company's timeline is its own activities (company_id is the company at the time) plus its contacts' other
-- ones: logged before they joined, or with no company. Those are rare, but finding them meant probing every
-- contact's activities (2,000 index probes for a busy company). stray_activity_at marks the few contacts that
-- have any, with the newest one's time, so a timeline page probes only contacts with one recent enough.
-- Kept by triggers, so imports, merges and SQL by hand keep it exact; the usual write (an activity under the
-- contact's own company) costs one probe of the contact and writes nothing.
UPDATE "contacts" c SET "stray_activity_at" = s.at
  FROM (SELECT a.workspace_id, a.contact_id, max(a.occurred_at) AS at
          FROM "activities" a JOIN "contacts" k ON k.workspace_id = a.workspace_id AND k.id = a.contact_id
         WHERE a.deleted_at IS NULL AND a.company_id IS DISTINCT FROM k.company_id
         GROUP BY a.workspace_id, a.contact_id) s
 WHERE c.workspace_id = s.workspace_id AND c.id = s.contact_id;--> statement-breakpoint
CREATE FUNCTION "activities_stray_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contacts c SET stray_activity_at = s.at
    FROM (SELECT n.workspace_id, n.contact_id, max(n.occurred_at) AS at
            FROM new_rows n JOIN contacts k ON k.workspace_id = n.workspace_id AND k.id = n.contact_id
           WHERE n.deleted_at IS NULL AND n.company_id IS DISTINCT FROM k.company_id
           GROUP BY n.workspace_id, n.contact_id) s
   WHERE c.workspace_id = s.workspace_id AND c.id = s.contact_id
     AND (c.stray_activity_at IS NULL OR c.stray_activity_at < s.at);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "activities_stray_insert" AFTER INSERT ON "activities" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "activities_stray_insert"();--> statement-breakpoint
-- An edit or removal can lower the newest stray activity, so the contacts it touches are recomputed from their
-- activities (one range of activities_contact_idx each); a contact whose value stays is not written.
CREATE FUNCTION "activities_stray_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    UPDATE contacts c SET stray_activity_at = r.at
      FROM (SELECT k.workspace_id, k.id,
                   (SELECT max(a.occurred_at) FROM activities a
                     WHERE a.workspace_id = k.workspace_id AND a.contact_id = k.id AND a.deleted_at IS NULL
                       AND a.company_id IS DISTINCT FROM k.company_id) AS at
              FROM contacts k
              JOIN (SELECT DISTINCT x.workspace_id, x.contact_id
                      FROM old_rows o JOIN new_rows n ON n.workspace_id = o.workspace_id AND n.id = o.id
                     CROSS JOIN LATERAL (VALUES (o.workspace_id, o.contact_id), (n.workspace_id, n.contact_id)) x (workspace_id, contact_id)
                     WHERE x.contact_id IS NOT NULL
                       AND (o.contact_id, o.company_id, o.occurred_at, o.deleted_at IS NULL)
                           IS DISTINCT FROM (n.contact_id, n.company_id, n.occurred_at, n.deleted_at IS NULL)) t
                ON k.workspace_id = t.workspace_id AND k.id = t.contact_id) r
     WHERE c.workspace_id = r.workspace_id AND c.id = r.id AND c.stray_activity_at IS DISTINCT FROM r.at;
  ELSE
    UPDATE contacts c SET stray_activity_at = r.at
      FROM (SELECT k.workspace_id, k.id,
                   (SELECT max(a.occurred_at) FROM activities a
                     WHERE a.workspace_id = k.workspace_id AND a.contact_id = k.id AND a.deleted_at IS NULL
                       AND a.company_id IS DISTINCT FROM k.company_id) AS at
              FROM contacts k
              JOIN (SELECT DISTINCT workspace_id, contact_id FROM old_rows WHERE contact_id IS NOT NULL) t
                ON k.workspace_id = t.workspace_id AND k.id = t.contact_id) r
     WHERE c.workspace_id = r.workspace_id AND c.id = r.id AND c.stray_activity_at IS DISTINCT FROM r.at;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "activities_stray_update" AFTER UPDATE ON "activities" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "activities_stray_change"();--> statement-breakpoint
CREATE TRIGGER "activities_stray_delete" AFTER DELETE ON "activities" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "activities_stray_change"();--> statement-breakpoint
-- A contact that changes company turns other activities into strays (and its new company's into its own).
CREATE FUNCTION "contacts_stray_on_move"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.stray_activity_at := (SELECT max(a.occurred_at) FROM activities a
                             WHERE a.workspace_id = NEW.workspace_id AND a.contact_id = NEW.id AND a.deleted_at IS NULL
                               AND a.company_id IS DISTINCT FROM NEW.company_id);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER "contacts_stray_on_move" BEFORE UPDATE OF "company_id" ON "contacts"
  FOR EACH ROW WHEN (OLD."company_id" IS DISTINCT FROM NEW."company_id") EXECUTE FUNCTION "contacts_stray_on_move"();
