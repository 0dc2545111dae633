import { bigint, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { ReportDefinition, ReportVisibility } from "../../contract/reports.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/** Saved reports: a definition with an owner, shared with no one, the owner's teams or the whole workspace. */
export const reports = pgTable(
  "reports",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    definition: jsonb("definition").$type<ReportDefinition>().notNull(),
    /** Null once the owner's membership is gone: the report stays for the workspace's admins. */
    ownerId: uuid("owner_id"),
    visibility: text("visibility").$type<ReportVisibility>().notNull().default("private"),
    /** Set on the reports the ready-made dashboards' installer wrote: never changed in place, copied instead. */
    readyMade: text("ready_made"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("reports_ready_made_key").on(t.workspaceId, t.readyMade),
    reference("reports_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
  ],
);

/**
 * How many times each object's records of a workspace have changed, as the report cache's consumer of the event
 * stream counted them: a cached result is good while the versions it was computed at are still current.
 */
export const reportDataVersions = pgTable(
  "report_data_versions",
  {
    workspaceId: workspaceId(),
    object: text("object").notNull(),
    version: bigint("version", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.object] })],
);
