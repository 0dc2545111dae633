import { z } from "zod";
import { Id, listOf, Timestamp } from "./common.js";

export const notificationKinds = ["task_reminder", "task_assigned", "webhook_disabled", "workflow", "workflow_health"] as const;
export const NotificationKind = z.enum(notificationKinds);
export type NotificationKind = z.infer<typeof NotificationKind>;

export const Notification = z.object({
  id: Id,
  kind: NotificationKind,
  title: z.string(),
  body: z.string().nullable(),
  object: z.string().nullable(),
  recordId: Id.nullable(),
  readAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type Notification = z.infer<typeof Notification>;

export const NotificationListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(500).optional(),
    unread: z.enum(["true", "false"]).optional(),
  })
  .strict();
export const NotificationList = listOf(Notification).extend({ unreadCount: z.number().int() });
export const UnreadCount = z.object({ unreadCount: z.number().int() });
export const MarkReadBody = z.object({ ids: z.array(Id).min(1).max(200).optional(), all: z.literal(true).optional() }).strict();

export const NotificationPreferences = z.object({
  emailReminders: z.boolean(),
  emailConfigured: z.boolean().describe("Whether the server can send email (SMTP_URL set)"),
});
export const UpdateNotificationPreferences = z.object({ emailReminders: z.boolean() }).strict();

export const CalendarFeedStatus = z.object({ active: z.boolean(), createdAt: Timestamp.nullable(), lastUsedAt: Timestamp.nullable() });
export const CalendarFeedCreated = z.object({ url: z.string(), path: z.string(), createdAt: Timestamp });
