import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type { SegmentKind, SegmentMemberSource } from "../../contract/segments.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { users } from "../users/table.js";

/**
 * A segment is either dynamic (a condition over contacts, evaluated as SQL whenever it is read, so membership is
 * always current and nothing is stored per contact) or a static list (its members are rows of segment_members).
 */
export const segments = pgTable(
  "segments",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind").$type<SegmentKind>().notNull(),
    condition: jsonb("condition").$type<Condition>(),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("segments_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    uniqueIndex("segments_name_key").on(t.workspaceId, sql`lower(${t.name})`),
  ],
);

export const segmentMembers = pgTable(
  "segment_members",
  {
    workspaceId: workspaceId(),
    segmentId: uuid("segment_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    source: text("source").$type<SegmentMemberSource>().notNull().default("manual"),
    addedAt: timestamp("added_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    reference("segment_members_segment_fk", [t.workspaceId, t.segmentId], [segments.workspaceId, segments.id], "cascade"),
    reference("segment_members_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.segmentId, t.contactId] }),
    // "Which lists is this contact on" (the contact page) and the EXISTS probe from the contacts side.
    index("segment_members_contact_idx").on(t.workspaceId, t.contactId),
  ],
);
