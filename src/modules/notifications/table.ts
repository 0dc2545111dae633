import { sql } from "drizzle-orm";
import { boolean, index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { NotificationKind } from "../../contract/notifications.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/** In-app notifications shown in the header bell. */
export const notifications = pgTable(
  "notifications",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    userId: uuid("user_id").notNull(),
    kind: text("kind").$type<NotificationKind>().notNull(),
    title: text("title").notNull(),
    body: text("body"),
    /** The record to open: task, contact, company or deal. */
    object: text("object"),
    recordId: uuid("record_id"),
    readAt: timestamp("read_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    reference("notifications_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("notifications_user_idx").on(t.workspaceId, t.userId, t.createdAt, t.id),
    index("notifications_unread_idx").on(t.workspaceId, t.userId).where(sql`${t.readAt} is null`),
  ],
);

/** Per-user delivery choices; a missing row means the defaults (in-app only). */
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    workspaceId: workspaceId(),
    userId: uuid("user_id").notNull(),
    emailReminders: boolean("email_reminders").notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("notification_preferences_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.userId] }),
  ],
);
