CREATE TABLE "next_action_dismissals" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"action_key" text NOT NULL,
	"until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "next_action_dismissals_workspace_id_user_id_action_key_pk" PRIMARY KEY("workspace_id","user_id","action_key")
);
--> statement-breakpoint
ALTER TABLE "next_action_dismissals" ADD CONSTRAINT "next_action_dismissals_user_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "next_action_dismissals_until_idx" ON "next_action_dismissals" USING btree ("workspace_id","user_id","until");--> statement-breakpoint
ALTER TABLE "next_action_dismissals" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "next_action_dismissals" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY workspace_wall ON "next_action_dismissals" USING (rapport_workspace() IS NULL OR workspace_id = rapport_workspace());
