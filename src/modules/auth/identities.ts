import { and, asc, eq, ne } from "drizzle-orm";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { users } from "../users/table.js";
import { workspaces } from "../workspaces/table.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { identities, sessions } from "./table.js";

export type Identity = typeof identities.$inferSelect;

export async function identityByEmail(db: Db, email: string): Promise<Identity | null> {
  const [row] = await db.select().from(identities).where(eq(identities.email, email.toLowerCase()));
  return row ?? null;
}

export async function identityById(db: Db, id: string): Promise<Identity | null> {
  const [row] = await db.select().from(identities).where(eq(identities.id, id));
  return row ?? null;
}

/** The person behind a membership. */
export async function identityOfUser(db: Db, workspaceId: string, userId: string): Promise<Identity | null> {
  const [row] = await db
    .select({ identity: identities })
    .from(users)
    .innerJoin(identities, eq(identities.id, users.identityId))
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, userId)));
  return row?.identity ?? null;
}

/** A new person with a password; the caller adds their first membership in the same transaction. */
export async function createIdentity(db: Db, email: string, passwordHash: string): Promise<string> {
  const id = newId();
  await db.insert(identities).values({ id, email: email.toLowerCase(), passwordHash });
  return id;
}

/**
 * The identity for an email that an admin adds to a workspace with a password. An admin may set the password of a
 * person only while that person belongs to no other workspace: otherwise one workspace's admin could take over an
 * account that opens another's (such a person is invited instead, and keeps their own password).
 */
export async function identityForNewMember(db: Db, email: string, password: string): Promise<string> {
  const existing = await identityByEmail(db, email);
  if (existing)
    throw new AppError("conflict", "This person already has a Rapport account (in another workspace): invite them instead, so they keep their own password.", [
      { path: "email", message: "Already has an account: send an invitation" },
    ]);
  return createIdentity(db, email, await hashPassword(password));
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

export async function deleteIdentitySessions(db: Db, identityId: string): Promise<void> {
  const members = await db.select({ workspaceId: users.workspaceId, id: users.id }).from(users).where(eq(users.identityId, identityId));
  for (const m of members) await db.delete(sessions).where(and(eq(sessions.workspaceId, m.workspaceId), eq(sessions.userId, m.id)));
}

export async function checkPassword(identity: Identity, password: string): Promise<boolean> {
  return verifyPassword(identity.passwordHash, password);
}

export async function rememberWorkspace(db: Db, identityId: string, workspaceId: string): Promise<void> {
  await db.update(identities).set({ lastWorkspaceId: workspaceId }).where(eq(identities.id, identityId));
}
