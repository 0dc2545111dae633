import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { Problem } from "../../contract/common.js";
import { PutSsoConfigBody, SsoCallbackQuery, SsoConfigAnswer, SsoDiscoverBody, SsoDiscovery, SsoStartQuery } from "../../contract/sso.js";
import type { Database } from "../../db/client.js";
import { setSessionCookie } from "../../server/auth.js";
import { problems, typed } from "../../server/route-kit.js";
import { createSession } from "../auth/service.js";
import { discoverWorkspaces, finishSignIn, getSsoConfig, putSsoConfig, SsoFailure, startSignIn } from "./service.js";

export interface SsoRouteDeps {
  database: Database;
  authRateLimit: number;
  secureCookies: boolean;
  publicUrl?: string;
  /** RAPPORT_SECRET_KEY: seals the providers' client secrets at rest when set. */
  secretKey?: string;
}

/** Binds a sign-in in progress to the browser that started it; read only by the callback. */
const FLOW_COOKIE = "rapport_sso_flow";
const CALLBACK_PATH = "/api/v1/auth/sso/callback";
const Redirect = z.null().describe("Redirects the browser");

export async function ssoRoutes(app: FastifyInstance, deps: SsoRouteDeps): Promise<void> {
  const r = typed(app);
  const db = deps.database.db;
  const origin = (request: FastifyRequest) => deps.publicUrl?.replace(/\/$/, "") ?? `${request.protocol}://${request.host}`;
  const redirectUri = (request: FastifyRequest) => `${origin(request)}${CALLBACK_PATH}`;
  const secure = (request: FastifyRequest) => deps.secureCookies || request.protocol === "https";
  const limited = { public: true, rateLimit: { max: deps.authRateLimit, timeWindow: "1 minute" } };
  // The sign-in page explains the code; details go to the log, never to the address bar.
  const fail = (request: FastifyRequest, reply: FastifyReply, e: unknown) => {
    if (!(e instanceof SsoFailure)) throw e;
    request.log.info({ sso: e.code, reason: e.message }, "single sign-on refused");
    reply.clearCookie(FLOW_COOKIE, { path: "/api/v1/auth/sso" });
    return reply.redirect(`/?ssoError=${e.code}`, 303);
  };

  r.get(
    "/sso",
    { schema: { tags: ["sso"], summary: "The workspace's single sign-on (OpenID Connect) settings (admin)", response: { 200: SsoConfigAnswer, ...problems } } },
    async (request) => ({ config: await getSsoConfig(request.ctx), redirectUri: redirectUri(request) }),
  );

  r.put(
    "/sso",
    {
      schema: {
        tags: ["sso"],
        summary: "Set up single sign-on with an OpenID Connect provider (admin); the provider is checked before saving",
        body: PutSsoConfigBody,
        response: { 200: SsoConfigAnswer, ...problems },
      },
    },
    async (request) => ({ config: await putSsoConfig(request.ctx, request.body, deps.secretKey), redirectUri: redirectUri(request) }),
  );

  r.post(
    "/auth/sso/discover",
    {
      config: limited,
      schema: {
        tags: ["auth"],
        summary: "The workspaces a work email can sign in to through single sign-on",
        body: SsoDiscoverBody,
        response: { 200: SsoDiscovery, 400: Problem, 429: Problem },
      },
    },
    async (request) => {
      const found = await discoverWorkspaces(db, request.body.email);
      return {
        workspaces: found.map((w) => ({
          ...w,
          startUrl: `/api/v1/auth/sso/start?${new URLSearchParams({ workspaceId: w.id, email: request.body.email })}`,
        })),
      };
    },
  );

  r.get(
    "/auth/sso/start",
    {
      config: limited,
      schema: {
        tags: ["auth"],
        summary: "Leave for the workspace's identity provider",
        querystring: SsoStartQuery,
        response: { 303: Redirect, 400: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      try {
        const { url, cookie } = await startSignIn(db, { ...request.query, redirectUri: redirectUri(request) }, deps.secretKey);
        reply.setCookie(FLOW_COOKIE, cookie, { path: "/api/v1/auth/sso", httpOnly: true, sameSite: "lax", secure: secure(request), maxAge: 15 * 60 });
        return reply.redirect(url, 303);
      } catch (e) {
        return fail(request, reply, e);
      }
    },
  );

  r.get(
    "/auth/sso/callback",
    {
      config: limited,
      schema: {
        tags: ["auth"],
        summary: "Where the identity provider sends the browser back",
        querystring: SsoCallbackQuery,
        response: { 303: Redirect, 400: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      try {
        const { principal, returnTo } = await finishSignIn(db, { cookie: request.cookies[FLOW_COOKIE], query: request.query }, deps.secretKey);
        const session = await createSession(db, principal.workspace.id, principal.user.id, {
          userAgent: request.headers["user-agent"],
          ip: request.ip,
          method: "sso",
        });
        reply.clearCookie(FLOW_COOKIE, { path: "/api/v1/auth/sso" });
        setSessionCookie(reply, session, secure(request));
        return reply.redirect(returnTo, 303);
      } catch (e) {
        return fail(request, reply, e);
      }
    },
  );
}
