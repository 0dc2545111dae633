import type { FastifyInstance } from "fastify";
import { SessionList, SessionParams, SignedOut, SignOutEverywhereBody } from "../../contract/sessions.js";
import { clearSessionCookie } from "../../server/auth.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import type { AuthRouteDeps } from "./routes.js";
import { listMySessions, signOutEverywhere, signOutSession } from "./sessions.js";

export async function sessionRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const r = typed(app);
  const db = deps.database.db;
  const tags = ["auth"];

  r.get("/auth/sessions", { schema: { tags, summary: "My sessions: where I am signed in", response: { 200: SessionList, ...problems } } }, async (request) => ({
    data: await listMySessions(db, request.principal),
  }));

  r.delete(
    "/auth/sessions/:id",
    { schema: { tags, summary: "Sign out one of my sessions", params: SessionParams, response: { 204: NoContent, ...problems } } },
    async (request, reply) => {
      const { current } = await signOutSession(db, request.principal, request.params.id);
      if (current) clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  r.post(
    "/auth/sessions/sign-out-everywhere",
    {
      schema: {
        tags,
        summary: "Sign out all my other sessions (or all, this one included)",
        body: SignOutEverywhereBody,
        response: { 200: SignedOut, ...problems },
      },
    },
    async (request, reply) => {
      const signedOut = await signOutEverywhere(db, request.principal, request.body.includeThisSession);
      if (request.body.includeThisSession) clearSessionCookie(reply);
      return { signedOut };
    },
  );
}
