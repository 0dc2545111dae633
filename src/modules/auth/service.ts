import { and, asc, eq, gt, lt, ne, sql } from "drizzle-orm";
import type { Me } from "../../contract/auth.js";
import type { Role } from "../../contract/common.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { diff, recordChanges } from "../history/service.js";
import { seedBuiltInRoles } from "../roles/seed.js";
import { users } from "../users/table.js";
import { createWorkspace, fallbackTimeZone, hasWorkspaces } from "../workspaces/service.js";
import { workspaces } from "../workspaces/table.js";
import { checkPassword, createIdentity, type Identity, identityByEmail, rememberWorkspace } from "./identities.js";
import { dummyHash, hashPassword, verifyPassword } from "./passwords.js";
import { identities, sessions } from "./table.js";
import { randomToken, sha256, splitScopedToken } from "./tokens.js";
import { checkSecondFactor } from "./totp.js";

export const SESSION_DAYS = 30;

const workspaceTimeZone = sql<string>`coalesce(${workspaces.settings}->>'timeZone', ${fallbackTimeZone})`;

export interface Principal {
  workspace: { id: string; name: string; slug: string; timeZone: string };
  user: { id: string; name: string; email: string; role: Role };
  /** The person behind the membership: password, second factor, other workspaces. */
  identityId: string;
  totpEnabled: boolean;
  /** The workspace requires a second factor that this person has not set up: only enrolment is open to them. */
  mustEnrolTotp: boolean;
  /** The signed-in session's id (the hash of its secret); absent for principals not from a session cookie. */
  sessionId?: string;
}

/** What /auth/me answers: the principal and the person's other workspaces, for the switcher. */
export async function describeMe(db: Db, p: Principal): Promise<Me> {
  const members = await membershipsOf(db, p.identityId);
  return {
    user: p.user,
    workspace: p.workspace,
    workspaces: members.map((m) => m.workspace),
    totpEnabled: p.totpEnabled,
    mustEnrolTotp: p.mustEnrolTotp,
  };
}

const workspaceColumns = {
  id: workspaces.id,
  name: workspaces.name,
  slug: workspaces.slug,
  timeZone: workspaceTimeZone,
  requireTotp: sql<boolean>`coalesce((${workspaces.settings}->>'requireTotp')::boolean, false)`,
};

function toPrincipal(row: {
  user: typeof users.$inferSelect;
  identity: { id: string; totpSecret: string | null };
  workspace: { id: string; name: string; slug: string; timeZone: string; requireTotp: boolean };
}): Principal {
  const { requireTotp, ...workspace } = row.workspace;
  const totpEnabled = row.identity.totpSecret !== null;
  return {
    workspace,
    user: { id: row.user.id, name: row.user.name, email: row.user.email, role: row.user.role },
    identityId: row.identity.id,
    totpEnabled,
    mustEnrolTotp: requireTotp && !totpEnabled,
  };
}

/** A membership as a principal (after sign-in, switching or accepting an invitation). */
export async function principalOf(db: Db, workspaceId: string, userId: string): Promise<Principal> {
  const [row] = await db
    .select({ user: users, identity: { id: identities.id, totpSecret: identities.totpSecret }, workspace: workspaceColumns })
    .from(users)
    .innerJoin(identities, eq(identities.id, users.identityId))
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId), eq(users.active, true)));
  if (!row) throw new AppError("invalid_credentials", "The email or password is not right.");
  return toPrincipal(row);
}

/** RAPPORT_SIGNUP: "closed" lets only invitations add people, except on an empty instance (its first admin). */
export type SignupPolicy = "open" | "closed";

/**
 * Creates a workspace and its first admin. A new email becomes a person; an email that already has an account must
 * come with that account's password (one password per person), and gets one more membership.
 */
export async function signup(
  db: Db,
  input: {
    workspaceName: string;
    name: string;
    email: string;
    password: string;
    defaultCountry?: string;
    defaultCurrency?: string;
    timeZone?: string;
  },
  policy: SignupPolicy = "open",
): Promise<Principal> {
  if (policy === "closed" && (await hasWorkspaces(db)))
    throw new AppError("signup_closed", "Sign-up is closed on this Rapport: ask an admin of your company's workspace to invite you.");
  const existing = await identityByEmail(db, input.email);
  if (existing && !(await checkPassword(existing, input.password)))
    throw new AppError("conflict", "This email already has a Rapport account: use its password to create another workspace, or sign in.", [
      { path: "email", message: "Already has an account" },
    ]);
  const passwordHash = existing ? null : await hashPassword(input.password);
  const created = await db.transaction(async (tx) => {
    const workspace = await createWorkspace(tx, input.workspaceName, {
      defaultCountry: input.defaultCountry,
      defaultCurrency: input.defaultCurrency,
      timeZone: input.timeZone,
    });
    const identityId = existing?.id ?? (await createIdentity(tx, input.email, passwordHash as string));
    await seedBuiltInRoles(tx, workspace.id);
    const userId = newId();
    const [row] = await tx
      .insert(users)
      .values({
        workspaceId: workspace.id,
        id: userId,
        identityId,
        email: input.email,
        name: input.name,
        role: "admin",
      })
      .returning({ createdAt: users.createdAt });
    // The first admin is a user like any other: consumers (webhooks, sync) hear of it as of those added later.
    const user = { id: userId, name: input.name, email: input.email, role: "admin", active: true, teamIds: [], createdAt: row?.createdAt.toISOString() };
    const ctx = { db: tx, workspaceId: workspace.id, actor: { kind: "user" as const, userId, role: "admin" as const } };
    await recordChanges(tx, ctx, [
      { object: "user", recordId: userId, action: "create", changes: diff(null, user, ["name", "email", "role", "active", "teamIds"]), payload: user },
    ]);
    await rememberWorkspace(tx, identityId, workspace.id);
    return { workspaceId: workspace.id, userId };
  });
  return principalOf(db, created.workspaceId, created.userId);
}

/**
 * Signs a person in: one identity per email, so one password check however many workspaces they belong to. Opens the
 * workspace asked for, else the one they used last, else their oldest.
 */
export async function login(db: Db, input: { email: string; password: string; workspaceId?: string; totpCode?: string }): Promise<Principal> {
  const identity = await identityByEmail(db, input.email);
  if (!identity) {
    await verifyPassword(await dummyHash(), input.password);
    throw new AppError("invalid_credentials", "The email or password is not right.");
  }
  if (!(await checkPassword(identity, input.password))) throw new AppError("invalid_credentials", "The email or password is not right.");
  const members = await membershipsOf(db, identity.id);
  // Deactivated everywhere: no different from a wrong password to whoever is trying.
  if (members.length === 0) throw new AppError("invalid_credentials", "The email or password is not right.");
  const chosen = input.workspaceId
    ? members.find((m) => m.workspace.id === input.workspaceId)
    : (members.find((m) => m.workspace.id === identity.lastWorkspaceId) ?? members[0]);
  if (!chosen)
    throw new AppError("workspace_required", "You do not belong to that workspace; choose one of yours.", undefined, {
      workspaces: members.map((m) => m.workspace),
    });
  await checkSecondFactor(db, identity, input.totpCode);
  await rememberWorkspace(db, identity.id, chosen.workspace.id);
  return principalOf(db, chosen.workspace.id, chosen.userId);
}

/**
 * Moves a signed-in person to another of their workspaces: the old session ends and a new one opens there, without
 * asking for the password again. Returns the new principal and session cookie value.
 */
export async function switchWorkspace(db: Db, current: Principal, cookie: string, workspaceId: string): Promise<{ principal: Principal; cookie: string }> {
  const target = (await membershipsOf(db, current.identityId)).find((m) => m.workspace.id === workspaceId);
  if (!target) throw new AppError("not_found", "You are not a member of that workspace.");
  const principal = await principalOf(db, workspaceId, target.userId);
  const next = await createSession(db, workspaceId, target.userId);
  await deleteSession(db, cookie);
  await rememberWorkspace(db, current.identityId, workspaceId);
  return { principal, cookie: next };
}

/**
 * The accounts an email signs in to (in one workspace, when given), active or not: whose audit log records a failed
 * sign-in. The second query of a failure only, so a success costs nothing more.
 */
export async function accountsForEmail(
  db: Db,
  email: string,
  workspaceId?: string,
): Promise<{ workspaceId: string; userId: string; name: string; active: boolean }[]> {
  return db
    .select({ workspaceId: users.workspaceId, userId: users.id, name: users.name, active: users.active })
    .from(users)
    .where(and(eq(users.email, email), workspaceId ? eq(users.workspaceId, workspaceId) : undefined))
    .limit(20);
}

/** What the sessions list shows of where a session signed in from. */
export interface SessionOrigin {
  userAgent?: string;
  ip?: string;
  method?: "password" | "sso";
}

/** Returns the cookie value: "<workspace id>.<secret>"; only the secret's hash is stored. */
export async function createSession(db: Db, workspaceId: string, userId: string, origin: SessionOrigin = {}): Promise<string> {
  const secret = randomToken();
  await db.insert(sessions).values({
    workspaceId,
    id: sha256(secret),
    userId,
    expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
    userAgent: origin.userAgent?.slice(0, 500) || null,
    ip: origin.ip ?? null,
    method: origin.method ?? "password",
  });
  return `${workspaceId}.${secret}`;
}

/** Last-seen is written at most once a minute per session: every request reads the session, few write it. */
export const LAST_SEEN_EVERY_MS = 60_000;

export async function resolveSession(db: Db, cookie: string): Promise<Principal | null> {
  const parts = splitScopedToken(cookie);
  if (!parts) return null;
  const rows = await db
    .select({
      user: users,
      identity: { id: identities.id, totpSecret: identities.totpSecret },
      workspace: workspaceColumns,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.workspaceId, sessions.workspaceId), eq(users.id, sessions.userId)))
    .innerJoin(identities, eq(identities.id, users.identityId))
    .innerJoin(workspaces, eq(workspaces.id, sessions.workspaceId))
    .where(and(eq(sessions.workspaceId, parts.workspaceId), eq(sessions.id, sha256(parts.secret)), gt(sessions.expiresAt, new Date()), eq(users.active, true)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const id = sha256(parts.secret);
  const now = Date.now();
  if (now - row.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS) {
    // The condition repeats the check in SQL so concurrent requests of one session write once.
    await db
      .update(sessions)
      .set({ lastSeenAt: new Date(now) })
      .where(and(eq(sessions.workspaceId, parts.workspaceId), eq(sessions.id, id), lt(sessions.lastSeenAt, new Date(now - LAST_SEEN_EVERY_MS))));
  }
  return { ...toPrincipal(row), sessionId: id };
}

export async function deleteSession(db: Db, cookie: string): Promise<void> {
  const parts = splitScopedToken(cookie);
  if (!parts) return;
  await db.delete(sessions).where(and(eq(sessions.workspaceId, parts.workspaceId), eq(sessions.id, sha256(parts.secret))));
}

export async function deleteUserSessions(db: Db, workspaceId: string, userId: string): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.workspaceId, workspaceId), eq(sessions.userId, userId)));
}

// ---- a person's memberships: the users rows of one identity, across workspaces ----

/** The person behind a membership. */
export async function identityOfUser(db: Db, workspaceId: string, userId: string): Promise<Identity | null> {
  const [row] = await db
    .select({ identity: identities })
    .from(users)
    .innerJoin(identities, eq(identities.id, users.identityId))
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)));
  return row?.identity ?? null;
}

export interface Membership {
  workspace: { id: string; name: string };
  userId: string;
}

/** The workspaces a person may open (active memberships), oldest first. */
export async function membershipsOf(db: Db, identityId: string): Promise<Membership[]> {
  const rows = await db
    .select({ workspaceId: workspaces.id, name: workspaces.name, userId: users.id })
    .from(users)
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(eq(users.identityId, identityId), eq(users.active, true)))
    .orderBy(asc(users.createdAt));
  return rows.map((r) => ({ workspace: { id: r.workspaceId, name: r.name }, userId: r.userId }));
}

/**
 * Changes a membership's password, which is its person's: refused when the person also belongs to another workspace,
 * whose admin did not agree (they change it themselves, or by "Forgot password?").
 */
export async function setMemberPassword(db: Db, workspaceId: string, userId: string, password: string): Promise<void> {
  const identity = await identityOfUser(db, workspaceId, userId);
  if (!identity) throw new AppError("not_found", "User not found");
  const [other] = await db
    .select({ workspaceId: users.workspaceId })
    .from(users)
    .where(and(eq(users.identityId, identity.id), ne(users.workspaceId, workspaceId)))
    .limit(1);
  if (other)
    throw new AppError(
      "conflict",
      "This person also belongs to another workspace, so only they can change their password (Forgot password? on the sign-in page).",
      [{ path: "password", message: "Only the person can change it" }],
    );
  await setIdentityPassword(db, identity.id, password);
}

/** Sets a person's password and signs them out everywhere (every workspace's sessions). */
export async function setIdentityPassword(db: Db, identityId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    await tx.update(identities).set({ passwordHash, updatedAt: new Date() }).where(eq(identities.id, identityId));
    await deleteIdentitySessions(tx, identityId);
  });
}

/**
 * Ends every session of a person, in every workspace they belong to (one statement, so a session opened meanwhile in
 * another workspace is not missed between per-membership deletes); `keep` spares the session making the request.
 * Returns how many ended.
 */
export async function deleteIdentitySessions(db: Db, identityId: string, keep?: { workspaceId: string; sessionId: string }): Promise<number> {
  const members = db.select({ workspaceId: users.workspaceId, id: users.id }).from(users).where(eq(users.identityId, identityId));
  const deleted = await db
    .delete(sessions)
    .where(
      and(
        sql`(${sessions.workspaceId}, ${sessions.userId}) in ${members}`,
        keep ? sql`(${sessions.workspaceId}, ${sessions.id}) <> (${keep.workspaceId}::uuid, ${keep.sessionId})` : undefined,
      ),
    )
    .returning({ id: sessions.id });
  return deleted.length;
}
