-- Every reference between records becomes a foreign key on (workspace_id, id): it can point neither into another
-- workspace nor at nothing. References that already do (left by older versions, hand edits or a crash) are repaired
-- first, so the keys can be added:
--   * an optional reference (owner, company, parent, author, price list, line item's product…) is cleared;
--   * a row that only exists for its parent (a deal's contacts and stage changes, line items, attendees, stages of a
--     pipeline, form submissions, price list entries, team memberships, sessions, feeds, notifications, a user's
--     views) is deleted with the missing parent;
--   * a deal whose stage is gone moves to the first stage of its pipeline, or else of the workspace's default
--     pipeline; a task whose assignee is gone goes to its creator, or else to the workspace's oldest user.
-- Keys are DEFERRABLE (checked at once, unless a transaction defers them, as a restore does to load tables in any
-- order). ON DELETE SET NULL names the id column only: workspace_id is part of every key and never null.
DELETE FROM "pipeline_stages" c WHERE NOT EXISTS (SELECT 1 FROM "pipelines" p WHERE p.workspace_id = c.workspace_id AND p.id = c.pipeline_id);
--> statement-breakpoint
-- Deals: a stage of another pipeline or none at all moves to the first stage of the deal's pipeline (status follows).
UPDATE "deals" d SET "stage_id" = s.id, "status" = s.type, "stage_entered_at" = now()
  FROM (SELECT DISTINCT ON (workspace_id, pipeline_id) workspace_id, pipeline_id, id, type FROM "pipeline_stages" ORDER BY workspace_id, pipeline_id, position, id) s
 WHERE s.workspace_id = d.workspace_id AND s.pipeline_id = d.pipeline_id
   AND NOT EXISTS (SELECT 1 FROM "pipeline_stages" p WHERE p.workspace_id = d.workspace_id AND p.id = d.stage_id AND p.pipeline_id = d.pipeline_id);
--> statement-breakpoint
UPDATE "deals" d SET "pipeline_id" = s.pipeline_id, "stage_id" = s.id, "status" = s.type, "stage_entered_at" = now()
  FROM (SELECT DISTINCT ON (st.workspace_id) st.workspace_id, st.pipeline_id, st.id, st.type FROM "pipeline_stages" st
          JOIN "pipelines" pl ON pl.workspace_id = st.workspace_id AND pl.id = st.pipeline_id AND pl.is_default
         ORDER BY st.workspace_id, st.position, st.id) s
 WHERE s.workspace_id = d.workspace_id
   AND NOT EXISTS (SELECT 1 FROM "pipeline_stages" p WHERE p.workspace_id = d.workspace_id AND p.id = d.stage_id AND p.pipeline_id = d.pipeline_id);
--> statement-breakpoint
-- A deal with no pipeline to go to (its workspace has none) cannot be kept; its dependants go with it below.
DELETE FROM "deals" d WHERE NOT EXISTS (SELECT 1 FROM "pipeline_stages" p WHERE p.workspace_id = d.workspace_id AND p.id = d.stage_id)
   OR NOT EXISTS (SELECT 1 FROM "pipelines" p WHERE p.workspace_id = d.workspace_id AND p.id = d.pipeline_id);
--> statement-breakpoint
UPDATE "activities" c SET "contact_id" = NULL WHERE c."contact_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "contacts" p WHERE p.workspace_id = c.workspace_id AND p.id = c."contact_id");
--> statement-breakpoint
UPDATE "activities" c SET "company_id" = NULL WHERE c."company_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "companies" p WHERE p.workspace_id = c.workspace_id AND p.id = c."company_id");
--> statement-breakpoint
UPDATE "activities" c SET "deal_id" = NULL WHERE c."deal_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "deals" p WHERE p.workspace_id = c.workspace_id AND p.id = c."deal_id");
--> statement-breakpoint
UPDATE "activities" c SET "author_id" = NULL WHERE c."author_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."author_id");
--> statement-breakpoint
DELETE FROM "activity_attendees" c WHERE NOT EXISTS (SELECT 1 FROM "activities" p WHERE p.workspace_id = c.workspace_id AND p.id = c."activity_id");
--> statement-breakpoint
UPDATE "activity_attendees" c SET "company_id" = NULL WHERE c."company_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "companies" p WHERE p.workspace_id = c.workspace_id AND p.id = c."company_id");
--> statement-breakpoint
UPDATE "api_keys" c SET "created_by" = NULL WHERE c."created_by" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."created_by");
--> statement-breakpoint
DELETE FROM "sessions" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."user_id");
--> statement-breakpoint
DELETE FROM "calendar_feeds" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."user_id");
--> statement-breakpoint
UPDATE "companies" c SET "parent_id" = NULL WHERE c."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "companies" p WHERE p.workspace_id = c.workspace_id AND p.id = c."parent_id");
--> statement-breakpoint
UPDATE "companies" c SET "owner_id" = NULL WHERE c."owner_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."owner_id");
--> statement-breakpoint
UPDATE "contacts" c SET "company_id" = NULL WHERE c."company_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "companies" p WHERE p.workspace_id = c.workspace_id AND p.id = c."company_id");
--> statement-breakpoint
UPDATE "contacts" c SET "owner_id" = NULL WHERE c."owner_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."owner_id");
--> statement-breakpoint
DELETE FROM "deal_contacts" c WHERE NOT EXISTS (SELECT 1 FROM "deals" p WHERE p.workspace_id = c.workspace_id AND p.id = c."deal_id");
--> statement-breakpoint
DELETE FROM "deal_contacts" c WHERE NOT EXISTS (SELECT 1 FROM "contacts" p WHERE p.workspace_id = c.workspace_id AND p.id = c."contact_id");
--> statement-breakpoint
DELETE FROM "deal_line_items" c WHERE NOT EXISTS (SELECT 1 FROM "deals" p WHERE p.workspace_id = c.workspace_id AND p.id = c."deal_id");
--> statement-breakpoint
UPDATE "deal_line_items" c SET "product_id" = NULL WHERE c."product_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "products" p WHERE p.workspace_id = c.workspace_id AND p.id = c."product_id");
--> statement-breakpoint
DELETE FROM "deal_stage_changes" c WHERE NOT EXISTS (SELECT 1 FROM "deals" p WHERE p.workspace_id = c.workspace_id AND p.id = c."deal_id");
--> statement-breakpoint
UPDATE "deals" c SET "price_list_id" = NULL WHERE c."price_list_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "price_lists" p WHERE p.workspace_id = c.workspace_id AND p.id = c."price_list_id");
--> statement-breakpoint
UPDATE "deals" c SET "owner_id" = NULL WHERE c."owner_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."owner_id");
--> statement-breakpoint
UPDATE "deals" c SET "company_id" = NULL WHERE c."company_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "companies" p WHERE p.workspace_id = c.workspace_id AND p.id = c."company_id");
--> statement-breakpoint
DELETE FROM "pipeline_stages" c WHERE NOT EXISTS (SELECT 1 FROM "pipelines" p WHERE p.workspace_id = c.workspace_id AND p.id = c."pipeline_id");
--> statement-breakpoint
UPDATE "duplicate_candidates" c SET "resolved_by" = NULL WHERE c."resolved_by" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."resolved_by");
--> statement-breakpoint
UPDATE "record_merges" c SET "actor_id" = NULL WHERE c."actor_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."actor_id");
--> statement-breakpoint
DELETE FROM "form_submissions" c WHERE NOT EXISTS (SELECT 1 FROM "lead_forms" p WHERE p.workspace_id = c.workspace_id AND p.id = c."form_id");
--> statement-breakpoint
UPDATE "form_submissions" c SET "contact_id" = NULL WHERE c."contact_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "contacts" p WHERE p.workspace_id = c.workspace_id AND p.id = c."contact_id");
--> statement-breakpoint
UPDATE "lead_forms" c SET "owner_id" = NULL WHERE c."owner_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."owner_id");
--> statement-breakpoint
DELETE FROM "notification_preferences" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."user_id");
--> statement-breakpoint
DELETE FROM "notifications" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."user_id");
--> statement-breakpoint
DELETE FROM "price_list_entries" c WHERE NOT EXISTS (SELECT 1 FROM "price_lists" p WHERE p.workspace_id = c.workspace_id AND p.id = c."price_list_id");
--> statement-breakpoint
DELETE FROM "price_list_entries" c WHERE NOT EXISTS (SELECT 1 FROM "products" p WHERE p.workspace_id = c.workspace_id AND p.id = c."product_id");
--> statement-breakpoint
UPDATE "quotas" c SET "updated_by" = NULL WHERE c."updated_by" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."updated_by");
--> statement-breakpoint
UPDATE "tasks" c SET "assignee_id" = coalesce(
  (SELECT u.id FROM "users" u WHERE u.workspace_id = c.workspace_id AND u.id = c.created_by_id),
  (SELECT u.id FROM "users" u WHERE u.workspace_id = c.workspace_id ORDER BY u.created_at, u.id LIMIT 1))
 WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."assignee_id");
--> statement-breakpoint
DELETE FROM "tasks" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."assignee_id");
--> statement-breakpoint
UPDATE "tasks" c SET "created_by_id" = NULL WHERE c."created_by_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."created_by_id");
--> statement-breakpoint
DELETE FROM "team_members" c WHERE NOT EXISTS (SELECT 1 FROM "teams" p WHERE p.workspace_id = c.workspace_id AND p.id = c."team_id");
--> statement-breakpoint
DELETE FROM "team_members" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."user_id");
--> statement-breakpoint
DELETE FROM "saved_views" c WHERE NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."owner_id");
--> statement-breakpoint
UPDATE "webhook_endpoints" c SET "created_by" = NULL WHERE c."created_by" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" p WHERE p.workspace_id = c.workspace_id AND p.id = c."created_by");
--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE SET NULL ("contact_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_company_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","id") ON DELETE SET NULL ("company_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_deal_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","id") ON DELETE SET NULL ("deal_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_author_fk" FOREIGN KEY ("workspace_id","author_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("author_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "activity_attendees" ADD CONSTRAINT "activity_attendees_activity_fk" FOREIGN KEY ("workspace_id","activity_id") REFERENCES "public"."activities"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "activity_attendees" ADD CONSTRAINT "activity_attendees_company_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","id") ON DELETE SET NULL ("company_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_fk" FOREIGN KEY ("workspace_id","created_by") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_parent_fk" FOREIGN KEY ("workspace_id","parent_id") REFERENCES "public"."companies"("workspace_id","id") ON DELETE SET NULL ("parent_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("owner_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_company_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","id") ON DELETE SET NULL ("company_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("owner_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deal_contacts" ADD CONSTRAINT "deal_contacts_deal_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deal_contacts" ADD CONSTRAINT "deal_contacts_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deal_line_items" ADD CONSTRAINT "deal_line_items_deal_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deal_line_items" ADD CONSTRAINT "deal_line_items_product_fk" FOREIGN KEY ("workspace_id","product_id") REFERENCES "public"."products"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deal_stage_changes" ADD CONSTRAINT "deal_stage_changes_deal_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_pipeline_fk" FOREIGN KEY ("workspace_id","pipeline_id") REFERENCES "public"."pipelines"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_stage_fk" FOREIGN KEY ("workspace_id","stage_id") REFERENCES "public"."pipeline_stages"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_price_list_fk" FOREIGN KEY ("workspace_id","price_list_id") REFERENCES "public"."price_lists"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("owner_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_company_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","id") ON DELETE SET NULL ("company_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "pipeline_stages" ADD CONSTRAINT "pipeline_stages_pipeline_fk" FOREIGN KEY ("workspace_id","pipeline_id") REFERENCES "public"."pipelines"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "duplicate_candidates" ADD CONSTRAINT "duplicate_candidates_resolved_by_fk" FOREIGN KEY ("workspace_id","resolved_by") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("resolved_by") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "record_merges" ADD CONSTRAINT "record_merges_actor_fk" FOREIGN KEY ("workspace_id","actor_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("actor_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "form_submissions" ADD CONSTRAINT "form_submissions_form_fk" FOREIGN KEY ("workspace_id","form_id") REFERENCES "public"."lead_forms"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "form_submissions" ADD CONSTRAINT "form_submissions_contact_fk" FOREIGN KEY ("workspace_id","contact_id") REFERENCES "public"."contacts"("workspace_id","id") ON DELETE SET NULL ("contact_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "lead_forms" ADD CONSTRAINT "lead_forms_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("owner_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "price_list_entries" ADD CONSTRAINT "price_list_entries_list_fk" FOREIGN KEY ("workspace_id","price_list_id") REFERENCES "public"."price_lists"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "price_list_entries" ADD CONSTRAINT "price_list_entries_product_fk" FOREIGN KEY ("workspace_id","product_id") REFERENCES "public"."products"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "quotas" ADD CONSTRAINT "quotas_updated_by_fk" FOREIGN KEY ("workspace_id","updated_by") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("updated_by") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_fk" FOREIGN KEY ("workspace_id","assignee_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_created_by_fk" FOREIGN KEY ("workspace_id","created_by_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by_id") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_owner_fk" FOREIGN KEY ("workspace_id","owner_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_created_by_fk" FOREIGN KEY ("workspace_id","created_by") REFERENCES "public"."users"("workspace_id","id") ON DELETE SET NULL ("created_by") ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE;
