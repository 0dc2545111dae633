import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Ctx, RequestOrigin } from "../core/context.js";
import { AppError } from "../core/errors.js";
import type { Database } from "../db/client.js";
import { scopedToWorkspace } from "../db/workspace-scope.js";
import { resolveApiKey } from "../modules/api-keys/service.js";
import { countKeyUse, flushKeyUse } from "../modules/audit/key-usage.js";
import { type Principal, resolveSession, SESSION_DAYS } from "../modules/auth/service.js";
import { resolveAccess } from "../modules/roles/service.js";

export const SESSION_COOKIE = "rapport_session";

declare module "fastify" {
  interface FastifyRequest {
    /** Set for every authenticated route: what services take. */
    ctx: Ctx;
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in. */
    public?: boolean;
  }
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Cookie-authenticated writes must come from our own origin: the cookie is SameSite=Lax, the only body
 * parser is JSON (which a cross-site form cannot send without a CORS preflight), and a foreign Origin is refused.
 */
function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new AppError("csrf_rejected", "The request's Origin is not valid.");
  }
  if (host !== request.headers.host) throw new AppError("csrf_rejected", "Changes must come from Rapport's own pages.");
}

/** The client's address (the peer's, or as a trusted proxy says) and user agent, capped: the audit log keeps them. */
export function originOf(request: FastifyRequest): RequestOrigin {
  const ua = request.headers["user-agent"];
  return { ip: request.ip ?? null, userAgent: typeof ua === "string" ? ua.slice(0, 500) : null };
}

export function setSessionCookie(reply: FastifyReply, value: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, value, { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge: SESSION_DAYS * 86_400 });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
}

export function registerAuth(app: FastifyInstance, database: Database): void {
  app.decorateRequest("ctx", null as unknown as Ctx);
  app.decorateRequest("principal", null);
  // API key use is counted in memory between flushes (modules/audit/key-usage): what is pending is kept at shutdown.
  app.addHook("onClose", async () => {
    await flushKeyUse(database.db).catch((err: unknown) => app.log.error({ err }, "API key use counts not saved"));
  });
  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/api/v1/")) return;
    const isPublic = request.routeOptions.config?.public === true;
    const authorization = request.headers.authorization;
    if (authorization) {
      const [scheme, token] = authorization.split(" ");
      if (scheme?.toLowerCase() !== "bearer" || !token) throw new AppError("unauthenticated", "Use Authorization: Bearer <API key>.");
      const key = await resolveApiKey(database.db, token);
      if (!key) throw new AppError("unauthenticated", "This API key is not valid or has been revoked.");
      const access = await resolveAccess({ db: database.db, workspaceId: key.workspace.id }, key.createdBy, key.role);
      request.ctx = {
        db: scopedToWorkspace(database.db, key.workspace.id),
        workspaceId: key.workspace.id,
        actor: { kind: "api_key", userId: key.createdBy, apiKeyId: key.keyId, role: key.role, access },
        origin: originOf(request),
      };
      countKeyUse(database.db, key.workspace.id, key.keyId);
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    const principal = cookie ? await resolveSession(database.db, cookie) : null;
    if (principal) {
      if (MUTATING.has(request.method)) assertSameOrigin(request);
      // A workspace that requires a second factor opens nothing but enrolment (and sign-out, switching) until it is set.
      if (principal.mustEnrolTotp && !/^\/api\/v1\/(auth|account)\//.test(request.url))
        throw new AppError("totp_enrolment_required", "This workspace requires two-step sign-in: set up an authenticator app in My account first.");
      request.principal = principal;
      const access = await resolveAccess({ db: database.db, workspaceId: principal.workspace.id }, principal.user.id, principal.user.role);
      request.ctx = {
        db: scopedToWorkspace(database.db, principal.workspace.id),
        workspaceId: principal.workspace.id,
        actor: { kind: "user", userId: principal.user.id, role: principal.user.role, access },
        origin: originOf(request),
      };
      return;
    }
    if (!isPublic) throw new AppError("unauthenticated", "Sign in, or send an API key as Authorization: Bearer <key>.");
  });
}
