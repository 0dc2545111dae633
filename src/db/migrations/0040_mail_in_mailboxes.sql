CREATE TABLE "inbound_messages" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"mailbox_id" uuid NOT NULL,
	"via" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"message_id" text,
	"from_address" text,
	"subject" text,
	"size" integer NOT NULL,
	"raw" "bytea" NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"ticket_id" uuid,
	"ticket_message_id" uuid,
	"acknowledged" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbound_messages_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"address" text NOT NULL,
	"name" text NOT NULL,
	"queue_id" uuid,
	"auto_acknowledge" boolean DEFAULT true NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"imap_host" text,
	"imap_port" integer,
	"imap_tls" boolean DEFAULT true NOT NULL,
	"imap_user" text,
	"imap_password" text,
	"imap_folder" text DEFAULT 'INBOX' NOT NULL,
	"imap_uid_validity" bigint,
	"imap_last_uid" bigint DEFAULT 0 NOT NULL,
	"imap_last_polled_at" timestamp with time zone,
	"imap_last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mailboxes_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "inbound_messages" ADD CONSTRAINT "inbound_messages_mailbox_fk" FOREIGN KEY ("workspace_id","mailbox_id") REFERENCES "public"."mailboxes"("workspace_id","id") ON DELETE cascade ON UPDATE no action DEFERRABLE INITIALLY IMMEDIATE;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_messages_dedupe_key" ON "inbound_messages" USING btree ("workspace_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "inbound_messages_received_idx" ON "inbound_messages" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "inbound_messages_acks_idx" ON "inbound_messages" USING btree ("workspace_id","from_address","created_at") WHERE "inbound_messages"."acknowledged";--> statement-breakpoint
CREATE INDEX "inbound_messages_ticket_message_idx" ON "inbound_messages" USING btree ("workspace_id","ticket_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_address_key" ON "mailboxes" USING btree ("address");--> statement-breakpoint
-- Row-level security as in 0028 for every workspace table. The SMTP receiver finds a recipient's workspace by
-- address in a transaction that states no workspace (the policy's narrow bypass) and reads only the mailbox's ids.
ALTER TABLE "mailboxes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mailboxes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "mailboxes" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());--> statement-breakpoint
ALTER TABLE "inbound_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "inbound_messages" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "inbound_messages" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
