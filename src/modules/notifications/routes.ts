import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  MarkReadBody,
  NotificationList,
  NotificationListQuery,
  NotificationPreferences,
  UnreadCount,
  UpdateNotificationPreferences,
} from "../../contract/notifications.js";
import { problems, typed } from "../../server/route-kit.js";
import { getPreferences, listNotifications, markRead, setPreferences, unreadCount } from "./service.js";

export async function notificationRoutes(app: FastifyInstance, deps: { emailConfigured: boolean }): Promise<void> {
  const r = typed(app);
  const tags = ["notifications"];
  r.get(
    "/notifications",
    { schema: { tags, summary: "Your notifications, newest first", querystring: NotificationListQuery, response: { 200: NotificationList, ...problems } } },
    async (req) => listNotifications(req.ctx, req.query),
  );
  r.get(
    "/notifications/unread-count",
    { schema: { tags, summary: "How many of your notifications are unread (the bell's badge)", response: { 200: UnreadCount, ...problems } } },
    async (req) => ({ unreadCount: await unreadCount(req.ctx) }),
  );
  r.post(
    "/notifications/read",
    {
      schema: {
        tags,
        summary: "Mark some of your notifications (ids) or all of them read",
        body: MarkReadBody,
        response: { 200: z.object({ updated: z.number().int() }), ...problems },
      },
    },
    async (req) => ({ updated: await markRead(req.ctx, req.body) }),
  );
  r.get(
    "/notifications/preferences",
    { schema: { tags, summary: "How you are notified", response: { 200: NotificationPreferences, ...problems } } },
    async (req) => ({ ...(await getPreferences(req.ctx)), emailConfigured: deps.emailConfigured }),
  );
  r.put(
    "/notifications/preferences",
    { schema: { tags, body: UpdateNotificationPreferences, response: { 200: NotificationPreferences, ...problems } } },
    async (req) => ({ ...(await setPreferences(req.ctx, req.body)), emailConfigured: deps.emailConfigured }),
  );
}
