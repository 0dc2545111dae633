import { date, index, numeric, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

export type QuotaSubject = "user" | "team";
export type PeriodKind = "month" | "quarter";

/**
 * A sales target for one person or one team over one calendar month or quarter. `period` is the
 * canonical label ("2026-10", "2026-Q4"); `period_start`/`period_end` (end exclusive) are what range
 * queries use, so a quarter's view can also find the monthly quotas inside it.
 */
export const quotas = pgTable(
  "quotas",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    subjectType: text("subject_type").$type<QuotaSubject>().notNull(),
    subjectId: uuid("subject_id").notNull(),
    period: text("period").notNull(),
    periodKind: text("period_kind").$type<PeriodKind>().notNull(),
    periodStart: date("period_start", { mode: "string" }).notNull(),
    periodEnd: date("period_end", { mode: "string" }).notNull(),
    amount: numeric("amount", { precision: 18, scale: 2 }).notNull(),
    currency: text("currency").notNull(),
    updatedBy: uuid("updated_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("quotas_updated_by_fk", [t.workspaceId, t.updatedBy], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("quotas_subject_period_key").on(t.workspaceId, t.subjectType, t.subjectId, t.period),
    index("quotas_period_idx").on(t.workspaceId, t.periodStart, t.subjectType, t.subjectId),
  ],
);
