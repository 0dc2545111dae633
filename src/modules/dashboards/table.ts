import { jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { WidgetInput } from "../../contract/dashboards.js";
import type { ReportVisibility } from "../../contract/reports.js";
import { createdAt, emptyArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/**
 * Dashboards: widgets (saved reports, notes) with their grid places, kept as one jsonb list so a drag or resize is
 * one write. Shared as saved reports are: with no one, the owner's teams or the workspace.
 */
export const dashboards = pgTable(
  "dashboards",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    ownerId: uuid("owner_id"),
    visibility: text("visibility").$type<ReportVisibility>().notNull().default("private"),
    /** The key of a ready-made dashboard the installer put there (sales, activity…): one of each per workspace. */
    readyMade: text("ready_made"),
    widgets: jsonb("widgets").$type<WidgetInput[]>().notNull().default(emptyArray),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("dashboards_ready_made_key").on(t.workspaceId, t.readyMade),
    reference("dashboards_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
  ],
);

/** The dashboard each user chose to see on their home page, below "My day". */
export const homeDashboards = pgTable(
  "home_dashboards",
  {
    workspaceId: workspaceId(),
    userId: uuid("user_id").notNull(),
    dashboardId: uuid("dashboard_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    reference("home_dashboards_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    reference("home_dashboards_dashboard_fk", [t.workspaceId, t.dashboardId], [dashboards.workspaceId, dashboards.id], "cascade"),
  ],
);
