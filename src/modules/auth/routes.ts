import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { LoginBody, Me, SetupStatus, SignupBody } from "../../contract/auth.js";
import { Problem } from "../../contract/common.js";
import { SessionList, SessionParams, SignedOut, SignOutEverywhereBody } from "../../contract/sessions.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from "../../server/auth.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { assertPasswordSignIn } from "../sso/service.js";
import { hasWorkspaces } from "../workspaces/service.js";
import { createSession, deleteSession, login, signup, toMe } from "./service.js";
import { listMySessions, signOutEverywhere, signOutSession } from "./sessions.js";

/** What the auth routes need of the server's wiring (server/routes passes its RouteDeps, which has these). */
export interface AuthRouteDeps {
  database: Database;
  /** Login and signup attempts per IP per minute. */
  authRateLimit: number;
  secureCookies: boolean;
}

export async function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const r = typed(app);
  const db = deps.database.db;
  // Sign-up: per client address (request.ip is the peer's unless TRUST_PROXY names it as a proxy).
  const limited = {
    public: true,
    rateLimit: { max: deps.authRateLimit, timeWindow: "1 minute" },
  };
  // Sign-in: per account and address, counted once the body is read. Someone guessing one account from a shared
  // address (an office, a carrier NAT) does not lock out the other people behind it, nor the victim elsewhere.
  const loginLimited = {
    public: true,
    rateLimit: {
      max: deps.authRateLimit,
      timeWindow: "1 minute",
      hook: "preHandler" as const,
      keyGenerator: (request: FastifyRequest) => {
        const email = (request.body as { email?: unknown } | undefined)?.email;
        return `login:${normalizeIP(request.ip)}:${typeof email === "string" ? email.toLowerCase() : ""}`;
      },
    },
  };
  // Secure when configured, or when this request came over HTTPS (directly, or as a trusted proxy says).
  const secure = (request: FastifyRequest) => deps.secureCookies || request.protocol === "https";
  const tags = ["auth"];

  r.get(
    "/setup",
    {
      config: { public: true },
      schema: {
        tags,
        summary: "Whether any workspace exists yet",
        response: { 200: SetupStatus },
      },
    },
    async () => ({
      hasWorkspaces: await hasWorkspaces(db),
    }),
  );

  r.post(
    "/auth/signup",
    {
      config: limited,
      schema: {
        tags,
        summary: "Create a workspace and its first admin, and sign in",
        body: SignupBody,
        response: { 201: Me, 400: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const principal = await signup(db, request.body);
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id, originOf(request)), secure(request));
      return reply.status(201).send(toMe(principal));
    },
  );

  r.post(
    "/auth/login",
    {
      config: loginLimited,
      schema: {
        tags,
        summary: "Sign in",
        body: LoginBody,
        response: {
          200: Me,
          400: Problem,
          401: Problem,
          403: Problem,
          409: Problem,
          429: Problem,
        },
      },
    },
    async (request, reply) => {
      const principal = await login(db, request.body);
      await assertPasswordSignIn(db, principal);
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id, originOf(request)), secure(request));
      return toMe(principal);
    },
  );

  r.post(
    "/auth/logout",
    {
      config: { public: true },
      schema: { tags, summary: "Sign out", response: { 204: NoContent } },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) await deleteSession(db, cookie);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  r.get(
    "/auth/me",
    {
      schema: {
        tags,
        summary: "Who is signed in",
        response: { 200: Me, ...problems },
      },
    },
    async (request) => {
      if (!request.principal) throw new AppError("forbidden", "An API key has no user session; use /api/v1/users or the key's own endpoints.");
      return toMe(request.principal);
    },
  );

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

/** Where a session signs in from, for the sessions list. */
export const originOf = (request: FastifyRequest) => ({ userAgent: request.headers["user-agent"], ip: request.ip });
