import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { Activity, MeetingList, MeetingRangeQuery, ScheduleMeetingBody, UpdateMeetingBody } from "../../contract/activities.js";
import { IdParams } from "../../contract/common.js";
import { CalendarFeedCreated, CalendarFeedStatus } from "../../contract/notifications.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { meetingsBetween, scheduleMeeting, updateMeeting } from "../activities/service.js";
import { createFeedToken, feedStatus, renderFeed, resolveFeedToken, revokeFeedToken } from "./service.js";

const origin = (req: FastifyRequest, publicUrl?: string) => publicUrl ?? `${req.protocol}://${req.host}`;

function userOf(ctx: Ctx, raw: string): string {
  if (raw === "me") {
    if (!ctx.actor.userId) throw new AppError("validation_failed", "userId: 'me' needs a signed-in user", [{ path: "userId", message: "No user is acting" }]);
    return ctx.actor.userId;
  }
  if (raw !== ctx.actor.userId && ctx.actor.role !== "admin" && ctx.actor.role !== "manager")
    throw new AppError("forbidden", "Only managers and admins can see other people's calendars.");
  return raw.toLowerCase();
}

/** Meetings for the calendar page, and the feed management endpoints (under /api/v1). */
export async function calendarRoutes(app: FastifyInstance, deps: { publicUrl?: string }): Promise<void> {
  const r = typed(app);
  const tags = ["calendar"];
  r.get(
    "/meetings",
    {
      schema: {
        tags,
        summary: "A user's meetings (organised or attended) starting in [from, to); at most 62 days",
        querystring: MeetingRangeQuery,
        response: { 200: MeetingList, ...problems },
      },
    },
    async (req) => {
      const from = new Date(req.query.from);
      const to = new Date(req.query.to);
      if (to <= from) throw new AppError("validation_failed", "to: must be after from", [{ path: "to", message: "Must be after from" }]);
      if (to.getTime() - from.getTime() > 62 * 86_400_000)
        throw new AppError("validation_failed", "to: at most 62 days after from", [{ path: "to", message: "At most 62 days after from" }]);
      return { data: await meetingsBetween(req.ctx, userOf(req.ctx, req.query.userId), from, to) };
    },
  );
  r.post(
    "/meetings",
    {
      schema: {
        tags,
        summary: "Schedule a meeting; you attend it, and it shows on each attendee contact's and company's timeline",
        body: ScheduleMeetingBody,
        response: { 201: Activity, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await scheduleMeeting(req.ctx, req.body)),
  );
  r.patch(
    "/meetings/:id",
    {
      schema: {
        tags,
        summary: "Reschedule a meeting, change its attendees or record its outcome",
        params: IdParams,
        body: UpdateMeetingBody,
        response: { 200: Activity, ...problems },
      },
    },
    async (req) => updateMeeting(req.ctx, req.params.id, req.body),
  );
  r.get(
    "/calendar/feed",
    { schema: { tags, summary: "Whether you have a private calendar feed", response: { 200: CalendarFeedStatus, ...problems } } },
    async (req) => feedStatus(req.ctx),
  );
  r.post(
    "/calendar/feed",
    {
      schema: {
        tags,
        summary: "Create (or regenerate) your private feed URL; shown once. An earlier URL stops working.",
        response: { 201: CalendarFeedCreated, ...problems },
      },
    },
    async (req, reply) => {
      const { token, createdAt } = await createFeedToken(req.ctx);
      const path = `/api/calendar/${token}.ics`;
      return reply.status(201).send({ url: `${origin(req, deps.publicUrl)}${path}`, path, createdAt });
    },
  );
  r.delete("/calendar/feed", { schema: { tags, summary: "Revoke your feed URL", response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await revokeFeedToken(req.ctx);
    return reply.status(204).send(null);
  });
}

/** The feed itself: outside /api/v1 and without a session, the secret token in the URL is the credential. */
export async function calendarFeedRoute(app: FastifyInstance, deps: { database: Database; publicUrl?: string }): Promise<void> {
  typed(app).get(
    "/api/calendar/:file",
    {
      schema: {
        tags: ["calendar"],
        summary: "Your meetings and task due times as iCalendar (subscribe in any calendar app)",
        params: z.object({ file: z.string().max(200) }),
        security: [],
      },
      config: { rateLimit: { max: 120, timeWindow: "1 minute" } },
    },
    async (req, reply) => {
      const token = req.params.file.endsWith(".ics") ? req.params.file.slice(0, -4) : "";
      const ctx = token ? await resolveFeedToken(deps.database.db, token) : null;
      if (!ctx) throw new AppError("not_found", "No calendar feed at this address; it may have been revoked.");
      const body = await renderFeed(ctx, origin(req, deps.publicUrl));
      return reply
        .header("content-type", "text/calendar; charset=utf-8")
        .header("cache-control", "private, max-age=300")
        .header("referrer-policy", "no-referrer")
        .send(body);
    },
  );
}
