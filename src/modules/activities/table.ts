import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { ActivityType } from "../../contract/activities.js";
import { createdAt, deletedAt, emptyObject, recordId, reference, workspaceId } from "../../db/columns.js";
import { companies } from "../companies/table.js";
import { contacts } from "../contacts/table.js";
import { deals } from "../deals/table.js";
import { users } from "../users/table.js";

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
    dealId: uuid("deal_id"),
    authorId: uuid("author_id"),
    createdAt: createdAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    reference("activities_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "set null"),
    reference("activities_company_fk", [t.workspaceId, t.companyId], [companies.workspaceId, companies.id], "set null"),
    reference("activities_deal_fk", [t.workspaceId, t.dealId], [deals.workspaceId, deals.id], "set null"),
    reference("activities_author_fk", [t.workspaceId, t.authorId], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("activities_contact_idx").on(t.workspaceId, t.contactId, t.occurredAt, t.id),
    index("activities_company_idx").on(t.workspaceId, t.companyId, t.occurredAt, t.id),
    index("activities_deal_idx").on(t.workspaceId, t.dealId, t.occurredAt, t.id),
    // The inactivity workflow trigger reads the activities of a time window (records whose last activity fell in it).
    index("activities_occurred_idx").on(t.workspaceId, t.occurredAt),
  ],
);

/**
 * Who takes part in a meeting: a contact or a user per row. The meeting's start and each contact's company
 * at the time are copied here so that a contact's, a company's or a user's meetings are one index range scan.
 */
export const activityAttendees = pgTable(
  "activity_attendees",
  {
    workspaceId: workspaceId(),
    activityId: uuid("activity_id").notNull(),
    /** The contact's or the user's id. */
    attendeeId: uuid("attendee_id").notNull(),
    kind: text("kind").$type<"contact" | "user">().notNull(),
    companyId: uuid("company_id"),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    reference("activity_attendees_activity_fk", [t.workspaceId, t.activityId], [activities.workspaceId, activities.id], "cascade"),
    reference("activity_attendees_company_fk", [t.workspaceId, t.companyId], [companies.workspaceId, companies.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.activityId, t.attendeeId] }),
    index("activity_attendees_attendee_idx").on(t.workspaceId, t.attendeeId, t.occurredAt, t.activityId),
    index("activity_attendees_company_idx").on(t.workspaceId, t.companyId, t.occurredAt, t.activityId),
  ],
);
