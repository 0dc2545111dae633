import { eq } from "drizzle-orm";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { identities } from "./table.js";

export type Identity = typeof identities.$inferSelect;

export async function identityByEmail(db: Db, email: string): Promise<Identity | null> {
  const [row] = await db.select().from(identities).where(eq(identities.email, email.toLowerCase()));
  return row ?? null;
}

export async function identityById(db: Db, id: string): Promise<Identity | null> {
  const [row] = await db.select().from(identities).where(eq(identities.id, id));
  return row ?? null;
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

export async function checkPassword(identity: Identity, password: string): Promise<boolean> {
  return verifyPassword(identity.passwordHash, password);
}

export async function rememberWorkspace(db: Db, identityId: string, workspaceId: string): Promise<void> {
  await db.update(identities).set({ lastWorkspaceId: workspaceId }).where(eq(identities.id, identityId));
}
