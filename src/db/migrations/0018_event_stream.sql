CREATE SEQUENCE "public"."outbox_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "event_consumers" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"failures" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX "outbox_pending_idx";--> statement-breakpoint
ALTER TABLE "outbox_events" DROP COLUMN "processed_at";--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "tx_id" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "position" bigint;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "actor_id" uuid;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "actor_kind" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD COLUMN "source" text DEFAULT 'app' NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_unsequenced_idx" ON "outbox_events" USING btree ("tx_id","created_at","id") WHERE position is null;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_position_idx" ON "outbox_events" USING btree ("position");--> statement-breakpoint
CREATE INDEX "outbox_workspace_position_idx" ON "outbox_events" USING btree ("workspace_id","position") WHERE position is not null;