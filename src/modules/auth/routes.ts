import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  AccountSecurity,
  LoginBody,
  Me,
  PasswordResetBody,
  PasswordResetRequestBody,
  RecoveryCodes,
  SetupStatus,
  SignupBody,
  SwitchWorkspaceBody,
  TotpConfirmBody,
  TotpDisableBody,
  TotpSetup,
} from "../../contract/auth.js";
import { Problem } from "../../contract/common.js";
import { SessionList, SessionParams, SignedOut, SignOutEverywhereBody } from "../../contract/sessions.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { clearSessionCookie, originOf, SESSION_COOKIE, setSessionCookie } from "../../server/auth.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { auditSignIn } from "../audit/service.js";
import type { MailQueue } from "../mail/service.js";
import { assertPasswordSignIn } from "../sso/service.js";
import { hasWorkspaces } from "../workspaces/service.js";
import { requestPasswordReset, resetPassword } from "./password-reset.js";
import { accountsForEmail, createSession, deleteSession, describeMe, login, type Principal, type SignupPolicy, signup, switchWorkspace } from "./service.js";
import { listMySessions, signOutEverywhere, signOutSession } from "./sessions.js";
import { accountSecurity, confirmTotpEnrolment, disableTotp, startTotpEnrolment } from "./totp.js";

/** What the auth routes need of the server's wiring (server/routes passes its RouteDeps, which has these). */
export interface AuthRouteDeps {
  database: Database;
  /** Login and signup attempts per IP per minute. */
  authRateLimit: number;
  secureCookies: boolean;
  /** RAPPORT_SIGNUP; default open. */
  signup?: SignupPolicy;
  /** For "Forgot password?" mail. */
  mailQueue: () => Promise<MailQueue>;
  publicUrl?: string;
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
  const signupPolicy = deps.signup ?? "open";
  const origin = (request: FastifyRequest) => deps.publicUrl ?? `${request.protocol}://${request.host}`;
  /** The signed-in person (a session, not an API key): account pages act on them. */
  const person = (request: FastifyRequest): Principal => {
    if (!request.principal) throw new AppError("forbidden", "Only a signed-in person has an account; an API key has none.");
    return request.principal;
  };

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
    async () => {
      const any = await hasWorkspaces(db);
      return { hasWorkspaces: any, signupOpen: !any || signupPolicy === "open" };
    },
  );

  r.post(
    "/auth/signup",
    {
      config: limited,
      schema: {
        tags,
        summary: "Create a workspace and its first admin, and sign in",
        body: SignupBody,
        response: { 201: Me, 400: Problem, 403: Problem, 409: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const principal = await signup(db, request.body, signupPolicy);
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id, sessionOriginOf(request)), secure(request));
      return reply.status(201).send(await describeMe(db, principal));
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
      await assertPasswordSignIn(db, principal);
      await auditSignIn(db, [{ workspaceId: principal.workspace.id, userId: principal.user.id, name: principal.user.name }], { ok: true }, originOf(request));
      setSessionCookie(reply, await createSession(db, principal.workspace.id, principal.user.id, sessionOriginOf(request)), secure(request));
      return describeMe(db, principal);
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
      return describeMe(db, request.principal);
    },
  );

  r.post(
    "/auth/switch",
    {
      schema: {
        tags,
        summary: "Open another of my workspaces without signing in again",
        body: SwitchWorkspaceBody,
        response: { 200: Me, ...problems },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      const current = person(request);
      if (!cookie) throw new AppError("unauthenticated", "Sign in first.");
      const switched = await switchWorkspace(db, current, cookie, request.body.workspaceId);
      setSessionCookie(reply, switched.cookie, secure(request));
      return describeMe(db, switched.principal);
    },
  );

  // "Forgot password?": limited per address and email like sign-in, and answered alike whether the email is known.
  r.post(
    "/auth/password-reset/request",
    {
      config: loginLimited,
      schema: {
        tags,
        summary: "Mail a password reset link (the answer is the same whether or not the email has an account)",
        body: PasswordResetRequestBody,
        response: { 202: NoContent, 400: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(db, await deps.mailQueue(), request.body.email, origin(request));
      return reply.status(202).send(null);
    },
  );
  r.post(
    "/auth/password-reset",
    {
      config: limited,
      schema: {
        tags,
        summary: "Set a new password from a mailed link; signs out every session",
        body: PasswordResetBody,
        response: { 204: NoContent, 400: Problem, 410: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      await resetPassword(db, request.body.token, request.body.password);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  const accountTags = ["account"];
  r.get("/account/security", { schema: { tags: accountTags, summary: "My second factor", response: { 200: AccountSecurity, ...problems } } }, async (request) =>
    accountSecurity(db, person(request).identityId),
  );
  r.post(
    "/account/totp/setup",
    {
      schema: { tags: accountTags, summary: "Start setting up an authenticator app: a secret and its QR code", response: { 200: TotpSetup, ...problems } },
    },
    async (request) => startTotpEnrolment(db, person(request).identityId),
  );
  r.post(
    "/account/totp/confirm",
    {
      config: { rateLimit: { max: deps.authRateLimit, timeWindow: "1 minute" } },
      schema: {
        tags: accountTags,
        summary: "Confirm the authenticator with its current code; returns recovery codes, shown once",
        body: TotpConfirmBody,
        response: { 200: RecoveryCodes, ...problems },
      },
    },
    async (request) => ({ recoveryCodes: await confirmTotpEnrolment(db, person(request).identityId, request.body.code) }),
  );
  r.post(
    "/account/totp/disable",
    {
      config: { rateLimit: { max: deps.authRateLimit, timeWindow: "1 minute" } },
      schema: {
        tags: accountTags,
        summary: "Turn off the authenticator (needs my password)",
        body: TotpDisableBody,
        response: { 204: NoContent, ...problems },
      },
    },
    async (request, reply) => {
      await disableTotp(db, person(request).identityId, request.body.password);
      return reply.status(204).send(null);
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
export const sessionOriginOf = (request: FastifyRequest) => ({ userAgent: request.headers["user-agent"], ip: request.ip });
