import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { LoginBody, Me, SetupStatus, SignupBody } from "../../contract/auth.js";
import { Problem } from "../../contract/common.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { clearSessionCookie, originOf, SESSION_COOKIE, setSessionCookie } from "../../server/auth.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { auditSignIn } from "../audit/service.js";
import { hasWorkspaces } from "../workspaces/service.js";
import { accountsForEmail, createSession, deleteSession, login, signup, toMe } from "./service.js";

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
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id), secure(request));
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
          409: Problem,
          429: Problem,
        },
      },
    },
    async (request, reply) => {
      let principal: Awaited<ReturnType<typeof login>>;
      try {
        principal = await login(db, request.body);
      } catch (err) {
        if (err instanceof AppError && err.code === "invalid_credentials") {
          // Only workspaces the email has an account in hear of the attempt; an unknown email is in the server log only.
          const accounts = await accountsForEmail(db, request.body.email, request.body.workspaceId);
          if (accounts.length === 0) request.log.info({ ip: request.ip }, "sign-in failed for an email without an account");
          for (const a of accounts) await auditSignIn(db, [a], { ok: false, reason: a.active ? "wrong password" : "account deactivated" }, originOf(request));
        }
        throw err;
      }
      await auditSignIn(db, [{ workspaceId: principal.workspace.id, userId: principal.user.id, name: principal.user.name }], { ok: true }, originOf(request));
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id), secure(request));
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
}
