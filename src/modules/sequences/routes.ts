import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import {
  CreateSequenceBody,
  EnrolBody,
  Enrolment,
  EnrolmentList,
  EnrolmentListQuery,
  EnrolResult,
  Sequence,
  SequenceList,
  SequenceStats,
  UpdateSequenceBody,
} from "../../contract/sequences.js";
import type { Db } from "../../db/client.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import {
  contactEnrolments,
  createSequence,
  deleteSequence,
  enrolContacts,
  getSequence,
  listEnrolments,
  listSequences,
  pauseEnrolment,
  removeEnrolment,
  resumeEnrolment,
  type ScheduleStep,
  sequenceStats,
  updateSequence,
} from "./service.js";

export interface SequenceRouteDeps {
  /** The job system's step scheduler; started before a transaction opens (PGlite has one connection). */
  scheduler: () => Promise<ScheduleStep>;
  clock?: { now(): number };
}

export async function sequenceRoutes(app: FastifyInstance, deps: SequenceRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["sequences"];
  const now = () => new Date(deps.clock?.now() ?? Date.now());
  const scheduler = async (): Promise<ScheduleStep> => {
    const schedule = await deps.scheduler();
    return async (tx: Db, key, at) => schedule(tx, key, at);
  };

  r.get(
    "/sequences",
    { schema: { tags, summary: "Sequences with their steps and enrolment counts", response: { 200: SequenceList, ...problems } } },
    async (req) => ({
      data: await listSequences(req.ctx),
    }),
  );
  r.post(
    "/sequences",
    {
      schema: {
        tags,
        summary: "Create a sequence (email and task steps, sending window, exits)",
        body: CreateSequenceBody,
        response: { 201: Sequence, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createSequence(req.ctx, req.body)),
  );
  r.get("/sequences/:id", { schema: { tags, params: IdParams, response: { 200: Sequence, ...problems } } }, async (req) => getSequence(req.ctx, req.params.id));
  r.patch(
    "/sequences/:id",
    {
      schema: {
        tags,
        summary: "Change a sequence; `steps` replaces the whole list",
        params: IdParams,
        body: UpdateSequenceBody,
        response: { 200: Sequence, ...problems },
      },
    },
    async (req) => updateSequence(req.ctx, req.params.id, req.body, await scheduler()),
  );
  r.delete("/sequences/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteSequence(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.get(
    "/sequences/:id/stats",
    {
      schema: { tags, summary: "Per-step statistics: sent, opened, clicked, replied, exited", params: IdParams, response: { 200: SequenceStats, ...problems } },
    },
    async (req) => sequenceStats(req.ctx, req.params.id),
  );
  r.post(
    "/sequences/:id/enrolments",
    {
      schema: {
        tags,
        summary: "Enrol contacts, or a list's or segment's members; contacts already in a sequence are skipped",
        params: IdParams,
        body: EnrolBody,
        response: { 200: EnrolResult, ...problems },
      },
    },
    async (req) => {
      const source = req.ctx.actor.kind === "api_key" ? "api" : req.body.segmentId ? "segment" : "manual";
      return enrolContacts(req.ctx, req.params.id, req.body, source, await scheduler(), now());
    },
  );
  r.get(
    "/sequences/:id/enrolments",
    {
      schema: {
        tags,
        summary: "The sequence's enrolments, newest first",
        params: IdParams,
        querystring: EnrolmentListQuery,
        response: { 200: EnrolmentList, ...problems },
      },
    },
    async (req) => listEnrolments(req.ctx, req.params.id, req.query),
  );
  r.post(
    "/sequence-enrolments/:id/pause",
    {
      schema: {
        tags,
        summary: "Pause one contact's sequence",
        params: IdParams,
        body: z.object({}).strict().optional(),
        response: { 200: Enrolment, ...problems },
      },
    },
    async (req) => pauseEnrolment(req.ctx, req.params.id),
  );
  r.post(
    "/sequence-enrolments/:id/resume",
    {
      schema: {
        tags,
        summary: "Resume one contact's paused sequence",
        params: IdParams,
        body: z.object({}).strict().optional(),
        response: { 200: Enrolment, ...problems },
      },
    },
    async (req) => resumeEnrolment(req.ctx, req.params.id, await scheduler(), now()),
  );
  r.post(
    "/sequence-enrolments/:id/remove",
    {
      schema: {
        tags,
        summary: "Take a contact out of its sequence",
        params: IdParams,
        body: z.object({}).strict().optional(),
        response: { 200: Enrolment, ...problems },
      },
    },
    async (req) => removeEnrolment(req.ctx, req.params.id),
  );
  r.get(
    "/contacts/:id/sequences",
    {
      schema: {
        tags,
        summary: "The sequences a contact is or was in",
        params: IdParams,
        response: { 200: z.object({ data: z.array(Enrolment) }), ...problems },
      },
    },
    async (req) => ({ data: await contactEnrolments(req.ctx, req.params.id) }),
  );
}
