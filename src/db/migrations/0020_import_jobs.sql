CREATE TABLE "import_files" (
	"workspace_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"chunk_no" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_files_workspace_id_import_id_chunk_no_pk" PRIMARY KEY("workspace_id","import_id","chunk_no")
);
--> statement-breakpoint
ALTER TABLE "imports" DROP COLUMN "file_path";