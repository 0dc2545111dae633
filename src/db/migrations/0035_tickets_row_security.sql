-- Tickets' tables get the workspace wall of migration 0028 (row-level security bound to app.workspace_id), which a
-- table created after it does not inherit; src/db/row-security.test.ts fails for a table left without it.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['ticket_counters', 'ticket_statuses', 'ticket_queues', 'ticket_queue_members', 'ticket_routing_rules', 'tickets', 'ticket_messages', 'ticket_attachments']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_wall ON %I USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace())', t);
  END LOOP;
END $$;
--> statement-breakpoint
-- Roles stored before tickets existed gain the ticket rights their built-in defaults name (src/contract/roles.ts);
-- custom roles start with none, as for any object an admin has not granted.
UPDATE "roles" SET "permissions" = "permissions" || jsonb_build_object('ticket',
  CASE
    WHEN "built_in" AND "key" IN ('admin', 'manager') THEN '{"read":"all","create":true,"edit":"all","delete":"all"}'::jsonb
    WHEN "built_in" AND "key" = 'support' THEN '{"read":"team","create":true,"edit":"team","delete":"none"}'::jsonb
    WHEN "built_in" AND "key" IN ('sales', 'read_only') THEN '{"read":"all","create":false,"edit":"none","delete":"none"}'::jsonb
    ELSE '{"read":"none","create":false,"edit":"none","delete":"none"}'::jsonb
  END)
WHERE NOT ("permissions" ? 'ticket');
