import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { Me } from "../../contract/auth.js";
import { IdParams, Problem } from "../../contract/common.js";
import { AcceptInvitationBody, CreateInvitationBody, Invitation, InvitationPreview, InvitationToken } from "../../contract/invitations.js";
import type { Database } from "../../db/client.js";
import { SESSION_COOKIE, setSessionCookie } from "../../server/auth.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createSession, describeMe, principalOf, resolveSession } from "../auth/service.js";
import type { MailQueue } from "../mail/service.js";
import { acceptInvitation, createInvitation, listInvitations, previewInvitation, resendInvitation, revokeInvitation } from "./service.js";

export interface InvitationRouteDeps {
  database: Database;
  mailQueue: () => Promise<MailQueue>;
  publicUrl?: string;
  secureCookies: boolean;
  /** Accept attempts per IP per minute (the auth limit). */
  authRateLimit: number;
}

/** Settings → Users → Invite, and the page an invitation's link opens. */
export async function invitationRoutes(app: FastifyInstance, deps: InvitationRouteDeps): Promise<void> {
  const r = typed(app);
  const db = deps.database.db;
  const tags = ["invitations"];
  const origin = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.host}`;
  const limited = { public: true, rateLimit: { max: deps.authRateLimit, timeWindow: "1 minute" } };

  r.get(
    "/invitations",
    { schema: { tags, summary: "Pending invitations (admins)", response: { 200: z.object({ data: z.array(Invitation) }), ...problems } } },
    async (req) => ({ data: await listInvitations(req.ctx) }),
  );
  r.post(
    "/invitations",
    {
      schema: {
        tags,
        summary: "Invite an email with a role; the link is mailed and works once for 7 days (admins)",
        body: CreateInvitationBody,
        response: { 201: Invitation, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createInvitation(req.ctx, await deps.mailQueue(), req.body, origin(req))),
  );
  r.post(
    "/invitations/:id/resend",
    {
      schema: {
        tags,
        summary: "Mail a new link for 7 more days; the old link stops working (admins)",
        params: IdParams,
        response: { 200: Invitation, ...problems },
      },
    },
    async (req) => resendInvitation(req.ctx, await deps.mailQueue(), req.params.id, origin(req)),
  );
  r.delete(
    "/invitations/:id",
    { schema: { tags, summary: "Revoke an invitation (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await revokeInvitation(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/invitations/preview",
    {
      config: limited,
      schema: {
        tags,
        summary: "What an invitation link offers, before accepting",
        body: InvitationToken,
        response: { 200: InvitationPreview, 400: Problem, 410: Problem, 429: Problem },
      },
    },
    async (req) => previewInvitation(db, req.body.token),
  );
  r.post(
    "/invitations/accept",
    {
      config: limited,
      schema: {
        tags,
        summary: "Accept an invitation: a new account (name, password) or, for an existing one, signed in or with its password; signs in to the workspace",
        body: AcceptInvitationBody,
        response: { 200: Me, 400: Problem, 401: Problem, 409: Problem, 410: Problem, 429: Problem },
      },
    },
    async (req, reply) => {
      const cookie = req.cookies[SESSION_COOKIE];
      const current = cookie ? await resolveSession(db, cookie) : null;
      const joined = await acceptInvitation(db, req.body, current?.identityId ?? null);
      setSessionCookie(reply, await createSession(db, joined.workspaceId, joined.userId), deps.secureCookies || req.protocol === "https");
      return describeMe(db, await principalOf(db, joined.workspaceId, joined.userId));
    },
  );
}
