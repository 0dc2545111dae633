import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  BusinessCalendar,
  CalendarList,
  CreateCalendarBody,
  CreatePolicyBody,
  ImportHolidaysBody,
  ImportHolidaysResult,
  PolicyList,
  SlaPolicy,
  TicketSla,
  UpdateCalendarBody,
  UpdatePolicyBody,
} from "../../contract/sla.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { getTicketSla, registerSlaListFilters } from "./clocks.js";
import {
  createCalendar,
  createPolicy,
  deleteCalendar,
  deletePolicy,
  getCalendar,
  getPolicy,
  importHolidays,
  listCalendars,
  listPolicies,
  updateCalendar,
  updatePolicy,
} from "./service.js";

export async function slaRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["service levels"];
  registerSlaListFilters();
  r.get(
    "/tickets/:id/sla",
    {
      schema: {
        tags,
        summary: "A ticket's SLA clocks: due time, business time remaining (negative: breached by), paused, met",
        params: IdParams,
        response: { 200: TicketSla, ...problems },
      },
    },
    async (req) => getTicketSla(req.ctx, req.params.id),
  );
  r.get("/sla/calendars", { schema: { tags, summary: "Business-hours calendars", response: { 200: CalendarList, ...problems } } }, async (req) => ({
    data: await listCalendars(req.ctx),
  }));
  r.post(
    "/sla/calendars",
    {
      schema: {
        tags,
        summary: "Add a calendar (admins); the first one becomes the workspace default",
        body: CreateCalendarBody,
        response: { 201: BusinessCalendar, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createCalendar(req.ctx, req.body)),
  );
  r.get("/sla/calendars/:id", { schema: { tags, params: IdParams, response: { 200: BusinessCalendar, ...problems } } }, async (req) =>
    getCalendar(req.ctx, req.params.id),
  );
  r.patch(
    "/sla/calendars/:id",
    {
      schema: {
        tags,
        summary: "Change blocks, holidays, zone or name; open tickets' clocks are recomputed",
        params: IdParams,
        body: UpdateCalendarBody,
        response: { 200: BusinessCalendar, ...problems },
      },
    },
    async (req) => updateCalendar(req.ctx, req.params.id, req.body),
  );
  r.post(
    "/sla/calendars/:id/holidays/import",
    {
      schema: {
        tags,
        summary: "Add the days of an iCalendar file's events as holidays",
        params: IdParams,
        body: ImportHolidaysBody,
        response: { 200: ImportHolidaysResult, ...problems },
      },
      bodyLimit: 3_000_000,
    },
    async (req) => importHolidays(req.ctx, req.params.id, req.body),
  );
  r.delete("/sla/calendars/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteCalendar(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });

  r.get(
    "/sla/policies",
    { schema: { tags, summary: "SLA policies in the order they are tried", response: { 200: PolicyList, ...problems } } },
    async (req) => ({ data: await listPolicies(req.ctx) }),
  );
  r.post(
    "/sla/policies",
    { schema: { tags, summary: "Add a policy (admins)", body: CreatePolicyBody, response: { 201: SlaPolicy, ...problems } } },
    async (req, reply) => reply.status(201).send(await createPolicy(req.ctx, req.body)),
  );
  r.get("/sla/policies/:id", { schema: { tags, params: IdParams, response: { 200: SlaPolicy, ...problems } } }, async (req) =>
    getPolicy(req.ctx, req.params.id),
  );
  r.patch(
    "/sla/policies/:id",
    {
      schema: {
        tags,
        summary: "Change a policy; open tickets' clocks are recomputed",
        params: IdParams,
        body: UpdatePolicyBody,
        response: { 200: SlaPolicy, ...problems },
      },
    },
    async (req) => updatePolicy(req.ctx, req.params.id, req.body),
  );
  r.delete("/sla/policies/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deletePolicy(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
}
