import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { ActivityType } from "../../contract/activities.js";
import { createdAt, deletedAt, emptyObject, recordId, workspaceId } from "../../db/columns.js";

/** Notes, calls, emails and meetings: the interactions on a record's timeline. */
export const activities = pgTable(
  "activities",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    type: text("type").$type<ActivityType>().notNull(),
    subject: text("subject"),
    body: text("body"),
    occurredAt: timestamp("occurred_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default(emptyObject),
    contactId: uuid("contact_id"),
    companyId: uuid("company_id"),
    authorId: uuid("author_id"),
    createdAt: createdAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("activities_contact_idx").on(t.workspaceId, t.contactId, t.occurredAt, t.id),
    index("activities_company_idx").on(t.workspaceId, t.companyId, t.occurredAt, t.id),
  ],
);
