CREATE TABLE "identities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"totp_secret" text,
	"totp_pending_secret" text,
	"recovery_codes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"last_workspace_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "password_resets" (
	"id" text PRIMARY KEY NOT NULL,
	"identity_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"workspace_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "invitations_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
-- One identity per email from the existing users. A person in several workspaces had one password per workspace;
-- they keep the one they changed most recently (the users row with the latest updated_at, then the latest created),
-- so in the other workspaces their newest password now opens the door, and older ones stop working.
INSERT INTO "identities" ("id", "email", "password_hash", "last_workspace_id", "created_at", "updated_at")
SELECT gen_random_uuid(), "email", "password_hash", "workspace_id", "created_at", "updated_at"
FROM (
	SELECT DISTINCT ON (lower("email")) lower("email") AS "email", "password_hash", "workspace_id", "created_at", "updated_at"
	FROM "users"
	ORDER BY lower("email"), "updated_at" DESC, "created_at" DESC
) AS newest;
--> statement-breakpoint
DROP INDEX "users_email_idx";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "identity_id" uuid;--> statement-breakpoint
UPDATE "users" SET "identity_id" = i."id" FROM "identities" i WHERE i."email" = lower("users"."email");--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "identity_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "password_hash";--> statement-breakpoint
ALTER TABLE "password_resets" ADD CONSTRAINT "password_resets_identity_id_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_email_key" ON "identities" USING btree ("email");--> statement-breakpoint
CREATE INDEX "password_resets_identity_idx" ON "password_resets" USING btree ("identity_id","created_at");--> statement-breakpoint
CREATE INDEX "invitations_token_idx" ON "invitations" USING btree ("workspace_id","token_hash");--> statement-breakpoint
CREATE INDEX "users_identity_idx" ON "users" USING btree ("identity_id");
