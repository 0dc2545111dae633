import { numeric, pgTable } from "drizzle-orm/pg-core";
import { updatedAt, workspaceId } from "../../db/columns.js";

/** Per-workspace forecast settings: one row per workspace, absent means the defaults. */
export const forecastSettings = pgTable("forecast_settings", {
  workspaceId: workspaceId().primaryKey(),
  /** Open deals in stages with at least this win probability (percent) count as commit. */
  commitThreshold: numeric("commit_threshold", { precision: 5, scale: 2 }).notNull().default("70"),
  updatedAt: updatedAt(),
});
