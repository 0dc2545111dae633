import { and, arrayContains, eq, gt, lt } from "drizzle-orm";
import * as oidc from "openid-client";
import type { PutSsoConfigBody, SsoConfig, SsoErrorCode } from "../../contract/sso.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { identityByEmail } from "../auth/identities.js";
import { type Principal, principalOf } from "../auth/service.js";
import { randomToken, sha256, splitScopedToken } from "../auth/tokens.js";
import { diff, recordChanges } from "../history/service.js";
import { assertRoleExists, roleOrFallback } from "../roles/service.js";
import { addMember, createUser, getUser, userIdsByEmail } from "../users/service.js";
import { getWorkspace } from "../workspaces/service.js";
import { openSecret, sealSecret } from "./secrets.js";
import { ssoConfigs, ssoFlows } from "./table.js";

/** How long a browser has between leaving for the provider and coming back. */
export const FLOW_MINUTES = 10;
const PROVIDER_TIMEOUT_SECONDS = 10;

/** A sign-in through the provider that did not succeed; the callback explains it on the sign-in page. */
export class SsoFailure extends Error {
  constructor(
    readonly code: SsoErrorCode,
    detail?: string,
  ) {
    super(detail ?? code);
  }
}

type Row = typeof ssoConfigs.$inferSelect;

const toConfig = (r: Row): SsoConfig => ({
  issuer: r.issuer,
  clientId: r.clientId,
  clientSecretSet: r.clientSecret.length > 0,
  allowedDomains: r.allowedDomains,
  defaultRole: r.defaultRole,
  requireSso: r.requireSso,
  enabled: r.enabled,
  updatedAt: r.updatedAt.toISOString(),
});

/** Plain http is for a provider on this machine (tests, a local Keycloak); anything else must be https. */
function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

// Discovery documents and keys are read once per configuration, not at every sign-in.
const discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();
const DISCOVERY_TTL_MS = 10 * 60_000;

function providerConfig(issuer: string, clientId: string, clientSecret: string): Promise<oidc.Configuration> {
  const key = sha256(`${issuer}\n${clientId}\n${clientSecret}`);
  const cached = discovered.get(key);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
  const url = new URL(issuer);
  const config = oidc.discovery(url, clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
    execute: url.protocol === "http:" && isLoopback(url) ? [oidc.allowInsecureRequests] : [],
    timeout: PROVIDER_TIMEOUT_SECONDS,
  });
  // A failed discovery is not kept: the next attempt asks again.
  config.catch(() => discovered.delete(key));
  discovered.set(key, { at: Date.now(), config });
  return config;
}

async function configRow(db: Db, workspaceId: string): Promise<Row | undefined> {
  const [row] = await db.select().from(ssoConfigs).where(eq(ssoConfigs.workspaceId, workspaceId));
  return row;
}

export async function getSsoConfig(ctx: Ctx): Promise<SsoConfig | null> {
  assertCan(ctx.actor, "admin");
  const row = await configRow(ctx.db, ctx.workspaceId);
  return row ? toConfig(row) : null;
}

export async function putSsoConfig(ctx: Ctx, input: PutSsoConfigBody, secretKey: string | undefined): Promise<SsoConfig> {
  assertCan(ctx.actor, "admin");
  await assertRoleExists(ctx, input.defaultRole, "defaultRole");
  const issuer = new URL(input.issuer);
  if (issuer.protocol === "http:" && !isLoopback(issuer))
    throw invalidField("issuer", "Use an https:// address (plain http is accepted only for a provider on this machine)");
  const before = await configRow(ctx.db, ctx.workspaceId);
  const secret = input.clientSecret ?? (before ? openSecret(before.clientSecret, secretKey) : undefined);
  if (!secret) throw invalidField("clientSecret", "Enter the client secret the provider gave you");
  // Saving a provider that cannot be reached would only surface at the next person's sign-in: check it now.
  try {
    await providerConfig(input.issuer, input.clientId, secret);
  } catch (e) {
    throw invalidField("issuer", `Could not read this provider's OpenID configuration (${(e as Error).message})`);
  }
  const values = {
    issuer: input.issuer,
    clientId: input.clientId,
    clientSecret: input.clientSecret !== undefined || !before ? sealSecret(secret, secretKey) : before.clientSecret,
    allowedDomains: [...new Set(input.allowedDomains)],
    defaultRole: input.defaultRole,
    requireSso: input.requireSso,
    enabled: input.enabled,
    updatedAt: new Date(),
  };
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(ssoConfigs)
      .values({ workspaceId: ctx.workspaceId, ...values })
      .onConflictDoUpdate({ target: ssoConfigs.workspaceId, set: values })
      .returning();
    const after = toConfig(row as Row);
    const beforeView = before ? toConfig(before) : null;
    const secretChanged = input.clientSecret !== undefined && (!before || openSecret(before.clientSecret, secretKey) !== input.clientSecret);
    const fields = ["issuer", "clientId", "allowedDomains", "defaultRole", "requireSso", "enabled"] as const;
    const changes = diff(beforeView, after, fields);
    // The secret's value never enters history or events; that it changed does.
    if (secretChanged) changes.push({ field: "clientSecret", from: before ? "(set)" : null, to: "(set)" });
    const { updatedAt: _, ...record } = after;
    await recordChanges(tx, ctx, [{ object: "sso_settings", recordId: ctx.workspaceId, action: "update", changes, payload: record }]);
    return after;
  });
}

/** The touch point in password sign-in: a workspace that requires SSO lets only its admins use a password. */
export async function assertPasswordSignIn(db: Db, principal: Principal): Promise<void> {
  if (principal.user.role === "admin") return;
  const row = await configRow(db, principal.workspace.id);
  if (row?.enabled && row.requireSso)
    throw new AppError("sso_required", `${principal.workspace.name} signs in through single sign-on: use “Sign in with SSO”.`, undefined, {
      workspaces: [{ id: principal.workspace.id, name: principal.workspace.name }],
    });
}

const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/** The workspaces whose provider takes this email's domain. Not scoped to a workspace: the email is all we know. */
export async function discoverWorkspaces(db: Db, email: string): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .select({ id: ssoConfigs.workspaceId })
    .from(ssoConfigs)
    .where(and(eq(ssoConfigs.enabled, true), arrayContains(ssoConfigs.allowedDomains, [domainOf(email)])))
    .limit(20);
  const found = [];
  for (const r of rows) {
    const w = await getWorkspace(db, r.id);
    if (w) found.push({ id: w.id, name: w.name });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** A path of this app only: an absolute or protocol-relative URL would make the sign-in an open redirect. */
export const safeReturnTo = (p: string | undefined) => (p && /^\/(?![/\\])[^\s]*$/.test(p) ? p : "/");

/**
 * Starts the authorization code flow: PKCE, state and nonce, kept server-side for FLOW_MINUTES. Returns the provider's
 * URL and the cookie value that binds the flow to this browser ("<workspace id>.<state>").
 */
export async function startSignIn(
  db: Db,
  input: { workspaceId: string; email?: string; returnTo?: string; redirectUri: string },
  secretKey: string | undefined,
): Promise<{ url: string; cookie: string }> {
  const row = await configRow(db, input.workspaceId);
  if (!row?.enabled) throw new SsoFailure("not_configured");
  let config: oidc.Configuration;
  try {
    config = await providerConfig(row.issuer, row.clientId, openSecret(row.clientSecret, secretKey));
  } catch {
    throw new SsoFailure("provider_unreachable");
  }
  const state = randomToken();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  await db.delete(ssoFlows).where(and(eq(ssoFlows.workspaceId, input.workspaceId), lt(ssoFlows.expiresAt, new Date())));
  await db.insert(ssoFlows).values({
    workspaceId: input.workspaceId,
    id: sha256(state),
    codeVerifier,
    nonce,
    redirectUri: input.redirectUri,
    returnTo: safeReturnTo(input.returnTo),
    expiresAt: new Date(Date.now() + FLOW_MINUTES * 60_000),
  });
  const params: Record<string, string> = {
    redirect_uri: input.redirectUri,
    scope: "openid email profile",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  };
  if (input.email) params.login_hint = input.email;
  return { url: oidc.buildAuthorizationUrl(config, params).href, cookie: `${input.workspaceId}.${state}` };
}

/**
 * The provider sent the browser back. The flow is taken (and deleted: one use) by the browser's cookie, the state in
 * the URL must be the cookie's, and the ID token must carry our nonce; then the person is found by verified email, or
 * joins the workspace when their domain is allowed.
 */
export async function finishSignIn(
  db: Db,
  input: { cookie: string | undefined; query: Record<string, string> },
  secretKey: string | undefined,
): Promise<{ principal: Principal; returnTo: string }> {
  const parts = input.cookie ? splitScopedToken(input.cookie) : null;
  if (!parts) throw new SsoFailure("expired", "No sign-in was started in this browser");
  const [flow] = await db
    .delete(ssoFlows)
    .where(and(eq(ssoFlows.workspaceId, parts.workspaceId), eq(ssoFlows.id, sha256(parts.secret)), gt(ssoFlows.expiresAt, new Date())))
    .returning();
  if (!flow) throw new SsoFailure("expired", "The sign-in is unknown, used or expired");
  if (input.query.error) throw new SsoFailure("refused", input.query.error_description ?? input.query.error);
  const row = await configRow(db, parts.workspaceId);
  if (!row?.enabled) throw new SsoFailure("not_configured");
  let config: oidc.Configuration;
  try {
    config = await providerConfig(row.issuer, row.clientId, openSecret(row.clientSecret, secretKey));
  } catch {
    throw new SsoFailure("provider_unreachable");
  }
  // The URL the provider redirected to, as registered: behind a proxy the request's own URL may differ.
  const current = new URL(flow.redirectUri);
  for (const [k, v] of Object.entries(input.query)) current.searchParams.set(k, v);
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: parts.secret,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error("No ID token");
    claims = idToken;
    // Many providers keep email out of the ID token and answer it at the userinfo endpoint, for the same subject.
    if (typeof idToken.email !== "string") claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
  } catch (e) {
    throw new SsoFailure("invalid_response", (e as Error).message);
  }
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || claims.email_verified !== true) throw new SsoFailure("email_unverified");
  if (!row.allowedDomains.includes(domainOf(email))) throw new SsoFailure("domain_not_allowed");
  const principal = await memberFor(db, row, email, typeof claims.name === "string" ? claims.name : undefined);
  return { principal, returnTo: flow.returnTo };
}

/** The workspace member with this email, created with the default role when there is none yet (just in time). */
async function memberFor(db: Db, row: Row, email: string, name: string | undefined): Promise<Principal> {
  const workspace = await getWorkspace(db, row.workspaceId);
  if (!workspace) throw notFound("Workspace");
  // The users service matches emails case-insensitively, as sign-in does.
  const ctx: Ctx = { db, workspaceId: row.workspaceId, actor: systemActor };
  let id = (await userIdsByEmail(ctx, [email])).get(email);
  if (!id) {
    const displayName = (name?.trim() || email.slice(0, email.indexOf("@"))).slice(0, 100);
    // The default role may have been deleted since the settings were saved: such a person joins as Read-only.
    const role = await roleOrFallback(ctx, row.defaultRole);
    try {
      // A person who already has a Rapport identity (another workspace) joins with it; anyone else gets one with no
      // password anyone knows: they sign in through the provider (or set one through "Forgot password?").
      const identity = await identityByEmail(db, email);
      id = identity
        ? await addMember(ctx, { identityId: identity.id, email, name: displayName, role })
        : (await createUser(ctx, { name: displayName, email, role, password: randomToken() })).id;
    } catch (e) {
      // Two first sign-ins at once: the other one created the member.
      if (!(e instanceof AppError && e.code === "conflict")) throw e;
      id = (await userIdsByEmail(ctx, [email])).get(email);
    }
  }
  if (!id) throw notFound("User");
  const user = await getUser(ctx, id);
  if (!user.active) throw new SsoFailure("inactive");
  return principalOf(db, workspace.id, id);
}
