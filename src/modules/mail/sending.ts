import { createHmac, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { AddDkimKeyBody, DkimKey, SendingSettings, UpdateSendingSettingsBody } from "../../contract/email-templates.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { openSecret, sealSecret } from "../sso/secrets.js";
import { mailDkimKeys, mailSendingSettings } from "./table.js";

/**
 * Settings → Email sending: sender addresses, the bounce (VERP) address, the tracking base URL and DKIM keys per
 * sending domain; and the signing of tracking and unsubscribe links with the workspace's own random key.
 */

type SettingsRow = typeof mailSendingSettings.$inferSelect;

/** The workspace's row, created with a fresh link key on first use (concurrent first uses keep one key). */
export async function settingsRow(db: Db, workspaceId: string): Promise<SettingsRow> {
  const [found] = await db.select().from(mailSendingSettings).where(eq(mailSendingSettings.workspaceId, workspaceId));
  if (found) return found;
  await db
    .insert(mailSendingSettings)
    .values({ workspaceId, linkSecret: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(mailSendingSettings).where(eq(mailSendingSettings.workspaceId, workspaceId));
  if (!row) throw new Error("mail sending settings missing after insert");
  return row;
}

const dnsValueOf = (publicKeyPem: string) => `v=DKIM1; k=rsa; p=${publicKeyPem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "")}`;

const toDkim = (r: typeof mailDkimKeys.$inferSelect): DkimKey => ({
  domain: r.domain,
  selector: r.selector,
  dnsName: `${r.selector}._domainkey.${r.domain}`,
  dnsValue: dnsValueOf(r.publicKey),
  createdAt: r.createdAt.toISOString(),
});

export interface SendingEnv {
  smtpConfigured: boolean;
  defaultFrom: string;
  receiverPort: number | null;
  secretKey?: string;
}

export async function getSendingSettings(ctx: Ctx, env: SendingEnv): Promise<SendingSettings> {
  assertCan(ctx.actor, "admin");
  const row = await settingsRow(ctx.db, ctx.workspaceId);
  const keys = await ctx.db.select().from(mailDkimKeys).where(eq(mailDkimKeys.workspaceId, ctx.workspaceId)).orderBy(mailDkimKeys.domain);
  return {
    smtpConfigured: env.smtpConfigured,
    defaultFrom: env.defaultFrom,
    senders: row.senders,
    bounceAddress: row.bounceAddress,
    trackingBaseUrl: row.trackingBaseUrl,
    dkim: keys.map(toDkim),
    receiverPort: env.receiverPort,
  };
}

export async function updateSendingSettings(ctx: Ctx, env: SendingEnv, body: UpdateSendingSettingsBody): Promise<SendingSettings> {
  assertCan(ctx.actor, "admin");
  await settingsRow(ctx.db, ctx.workspaceId);
  const senders = body.senders?.map((s) => ({ address: s.address.toLowerCase(), name: s.name?.replace(/[\r\n"<>]/g, " ").trim() || null }));
  if (senders && new Set(senders.map((s) => s.address)).size !== senders.length) throw invalidField("senders", "Each sender address once");
  await ctx.db
    .update(mailSendingSettings)
    .set({
      ...(senders ? { senders } : {}),
      ...(body.bounceAddress !== undefined ? { bounceAddress: body.bounceAddress?.toLowerCase() ?? null } : {}),
      ...(body.trackingBaseUrl !== undefined ? { trackingBaseUrl: body.trackingBaseUrl?.replace(/\/+$/, "") ?? null } : {}),
      updatedAt: new Date(),
    })
    .where(eq(mailSendingSettings.workspaceId, ctx.workspaceId));
  return getSendingSettings(ctx, env);
}

/** Stores a domain's DKIM key (replacing the domain's previous one): the key must be an RSA or Ed25519 private key. */
export async function addDkimKey(ctx: Ctx, env: SendingEnv, body: AddDkimKeyBody): Promise<SendingSettings> {
  assertCan(ctx.actor, "admin");
  let publicKey: string;
  try {
    const key = createPrivateKey(body.privateKey);
    if (key.asymmetricKeyType !== "rsa") throw new Error("not rsa");
    publicKey = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
  } catch {
    // Never echo the key (or a parser message quoting it) back.
    throw invalidField("privateKey", "This is not an RSA private key in PEM format (-----BEGIN PRIVATE KEY----- …)");
  }
  const values = { selector: body.selector, privateKey: sealSecret(body.privateKey.trim(), env.secretKey), publicKey, createdAt: new Date() };
  await ctx.db
    .insert(mailDkimKeys)
    .values({ workspaceId: ctx.workspaceId, domain: body.domain, ...values })
    .onConflictDoUpdate({ target: [mailDkimKeys.workspaceId, mailDkimKeys.domain], set: values });
  return getSendingSettings(ctx, env);
}

export async function deleteDkimKey(ctx: Ctx, env: SendingEnv, domain: string): Promise<SendingSettings> {
  assertCan(ctx.actor, "admin");
  const gone = await ctx.db
    .delete(mailDkimKeys)
    .where(and(eq(mailDkimKeys.workspaceId, ctx.workspaceId), eq(mailDkimKeys.domain, domain.toLowerCase())))
    .returning({ domain: mailDkimKeys.domain });
  if (gone.length === 0) throw notFound("DKIM key");
  return getSendingSettings(ctx, env);
}

/** Whether the address is one of the workspace's verified senders (or the server's default sender). */
export async function assertSender(db: Db, workspaceId: string, address: string, defaultFrom: string): Promise<void> {
  const a = (/<([^>]+)>/.exec(address)?.[1] ?? address).trim().toLowerCase();
  if (defaultFrom.toLowerCase().includes(`<${a}>`) || defaultFrom.toLowerCase() === a) return;
  const row = await settingsRow(db, workspaceId);
  if (!row.senders.some((s) => s.address === a)) throw invalidField("from", `${address} is not one of the sender addresses in Settings → Email sending`);
}

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** The DKIM key for mail from this address's domain (or a parent domain's key), opened for nodemailer; null when none. */
export async function dkimFor(db: Db, workspaceId: string, fromAddress: string, secretKey: string | undefined): Promise<DkimOptions | null> {
  const domain = /@([^@>\s]+)>?\s*$/.exec(fromAddress)?.[1]?.toLowerCase();
  if (!domain) return null;
  const labels = domain.split(".");
  const candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
  const rows = await db
    .select()
    .from(mailDkimKeys)
    .where(and(eq(mailDkimKeys.workspaceId, workspaceId), sql`${mailDkimKeys.domain} in ${candidates}`));
  const best = rows.sort((a, b) => b.domain.length - a.domain.length)[0];
  if (!best) return null;
  return { domainName: best.domain, keySelector: best.selector, privateKey: openSecret(best.privateKey, secretKey) };
}

/**
 * The envelope sender (Return-Path) of a marketing message: the bounce address with the message's id as a VERP tag
 * (bounces+<id>@domain), so a bounce names the message it is about whatever the remote server quotes of it.
 */
export function verpAddress(bounceAddress: string, mailId: string): string {
  const [local, domain] = bounceAddress.split("@");
  return `${local}+${mailId.replaceAll("-", "")}@${domain}`;
}

/** The outbox id a VERP address carries, if any. */
export function mailIdOfVerp(address: string): string | null {
  const tag = /\+([0-9a-f]{32})@/i.exec(address)?.[1];
  return tag ? `${tag.slice(0, 8)}-${tag.slice(8, 12)}-${tag.slice(12, 16)}-${tag.slice(16, 20)}-${tag.slice(20)}`.toLowerCase() : null;
}

/** The workspaces whose bounce address this is (its VERP tag removed). */
export async function workspacesByBounceAddress(db: Db, address: string): Promise<string[]> {
  const base = address.toLowerCase().replace(/\+[^@]*@/, "@");
  const rows = await db.select({ w: mailSendingSettings.workspaceId }).from(mailSendingSettings).where(eq(mailSendingSettings.bounceAddress, base));
  return rows.map((r) => r.w);
}

// ---------------------------------------------------------------------------------------------------------------
// Signed links

/** What a tracking or unsubscribe link carries; signed, so no field can be changed (never an open redirect). */
export interface LinkClaims {
  /** o: open pixel, c: click, u: unsubscribe. */
  k: "o" | "c" | "u";
  w: string;
  m: string;
  c: string | null;
  /** The click's destination. */
  u?: string;
  /** Expiry, seconds since the epoch; unsubscribe links never expire (RFC 8058 asks that they keep working). */
  x?: number;
}

// Secrets are random per workspace and never change: a process keeps them after the first read, so a tracking hit
// costs one insert, not a settings read too.
const secrets = new Map<string, Buffer>();
async function linkKey(db: Db, workspaceId: string): Promise<Buffer> {
  const cached = secrets.get(workspaceId);
  if (cached) return cached;
  const key = Buffer.from((await settingsRow(db, workspaceId)).linkSecret, "base64url");
  if (secrets.size > 10_000) secrets.clear();
  secrets.set(workspaceId, key);
  return key;
}

const mac = (key: Buffer, body: string) => createHmac("sha256", key).update(body).digest().subarray(0, 16);

export async function signLink(db: Db, claims: LinkClaims): Promise<string> {
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${body}.${mac(await linkKey(db, claims.w), body).toString("base64url")}`;
}

/** The claims of a genuine, unexpired link; a forged, altered, malformed or expired one throws link_invalid. */
export async function verifyLink(db: Db, token: string, kind: LinkClaims["k"], now = new Date()): Promise<LinkClaims> {
  const invalid = new AppError("link_expired", "This link is not valid or has expired.");
  const [body, sig] = token.split(".");
  if (!body || !sig || token.length > 4000) throw invalid;
  let claims: LinkClaims;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as LinkClaims;
  } catch {
    throw invalid;
  }
  if (!claims || claims.k !== kind || typeof claims.w !== "string" || !/^[0-9a-f-]{36}$/.test(claims.w) || !/^[0-9a-f-]{36}$/.test(String(claims.m)))
    throw invalid;
  // A workspace that never signed a link gets no key made for it here.
  if (!secrets.has(claims.w)) {
    const [exists] = await db.select({ w: mailSendingSettings.workspaceId }).from(mailSendingSettings).where(eq(mailSendingSettings.workspaceId, claims.w));
    if (!exists) throw invalid;
  }
  const expected = mac(await linkKey(db, claims.w), body);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
  if (claims.x !== undefined && claims.x * 1000 < now.getTime()) throw invalid;
  return claims;
}
