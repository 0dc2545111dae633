ALTER TABLE "assignment_rules" ALTER COLUMN "conditions" SET DEFAULT '{"all":[]}'::jsonb;--> statement-breakpoint
ALTER TABLE "scoring_rules" ALTER COLUMN "conditions" SET DEFAULT '{"all":[]}'::jsonb;