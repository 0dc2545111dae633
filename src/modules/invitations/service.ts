import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Role } from "../../contract/common.js";
import type { Invitation } from "../../contract/invitations.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { checkPassword, createIdentity, type Identity, identityByEmail } from "../auth/identities.js";
import { hashPassword } from "../auth/passwords.js";
import { randomToken, sha256, splitScopedToken } from "../auth/tokens.js";
import { checkSecondFactor } from "../auth/totp.js";
import { recordChanges } from "../history/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { assertRoleExists, roleNames, roleOrFallback } from "../roles/service.js";
import { addMember, isMember, lastNameOfIdentity } from "../users/service.js";
import { getWorkspace } from "../workspaces/service.js";
import { invitations } from "./table.js";

export const INVITATION_DAYS = 7;

type Row = typeof invitations.$inferSelect;

const toInvitation = (r: Row): Invitation => ({
  id: r.id,
  email: r.email,
  role: r.role,
  invitedBy: r.invitedBy,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt.toISOString(),
});

const pending = (workspaceId: string, now: Date) =>
  and(eq(invitations.workspaceId, workspaceId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));

/** Invitations not yet accepted, revoked or expired, oldest first. */
export async function listInvitations(ctx: Ctx, now = new Date()): Promise<Invitation[]> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.select().from(invitations).where(pending(ctx.workspaceId, now)).orderBy(asc(invitations.createdAt)).limit(1000);
  return rows.map(toInvitation);
}

async function mailInvitation(ctx: Ctx, mail: MailQueue, row: Row, token: string, baseUrl: string): Promise<void> {
  const workspace = await getWorkspace(ctx.db, ctx.workspaceId);
  // The role as the admin named it in Settings → Roles, not its key.
  const roleName = (await roleNames(ctx)).find((r) => r.key === row.role)?.name ?? row.role;
  const link = `${baseUrl}/invite?token=${encodeURIComponent(token)}`;
  await queueMail(ctx, mail, {
    kind: "invitation",
    to: row.email,
    subject: `You are invited to ${workspace?.name ?? "a workspace"} on Rapport`,
    text: `You are invited to join ${workspace?.name ?? "a workspace"} on Rapport as ${roleName}.\n\nAccept here (the link works once, until ${row.expiresAt.toUTCString()}):\n${link}\n\nIf you did not expect this, ignore this mail.`,
    // The link is a credential: the email log shows the envelope, not the body.
    sensitive: true,
    related: { object: "invitation", id: row.id },
  });
}

/** Invites an email with a role and mails the link; a pending invitation to the same email is replaced. */
export async function createInvitation(
  ctx: Ctx,
  mail: MailQueue,
  input: { email: string; role: Role },
  baseUrl: string,
  now = new Date(),
): Promise<Invitation> {
  assertCan(ctx.actor, "admin");
  await assertRoleExists(ctx, input.role);
  if (await isMember(ctx, input.email))
    throw new AppError("conflict", "This person is already a user of this workspace.", [{ path: "email", message: "Already a user here" }]);
  const secret = randomToken();
  const id = newId();
  const row = await ctx.db.transaction(async (tx) => {
    const replaced = await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(pending(ctx.workspaceId, now), eq(invitations.email, input.email)))
      .returning();
    const [created] = await tx
      .insert(invitations)
      .values({
        workspaceId: ctx.workspaceId,
        id,
        email: input.email,
        role: input.role,
        tokenHash: sha256(secret),
        invitedBy: ctx.actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000),
      })
      .returning();
    const inserted = created as Row;
    await recordChanges(tx, { ...ctx, db: tx }, [
      ...replaced.map((r) => ({ object: "invitation" as const, recordId: r.id, action: "delete" as const, changes: [], payload: toInvitation(r) })),
      { object: "invitation", recordId: id, action: "create", changes: [], payload: toInvitation(inserted) },
    ]);
    return inserted;
  });
  await mailInvitation(ctx, mail, row, `${ctx.workspaceId}.${secret}`, baseUrl);
  return toInvitation(row);
}

/** Mails a pending invitation again with a new link (the old one stops working) and a fresh week. */
export async function resendInvitation(ctx: Ctx, mail: MailQueue, id: string, baseUrl: string, now = new Date()): Promise<Invitation> {
  assertCan(ctx.actor, "admin");
  const secret = randomToken();
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(invitations)
      .set({ tokenHash: sha256(secret), expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000) })
      .where(and(eq(invitations.workspaceId, ctx.workspaceId), eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!updated) throw notFound("Invitation");
    const changes = [{ field: "expiresAt", from: null, to: updated.expiresAt.toISOString() }];
    await recordChanges(tx, { ...ctx, db: tx }, [{ object: "invitation", recordId: id, action: "update", changes, payload: toInvitation(updated) }]);
    return updated;
  });
  await mailInvitation(ctx, mail, row, `${ctx.workspaceId}.${secret}`, baseUrl);
  return toInvitation(row);
}

export async function revokeInvitation(ctx: Ctx, id: string, now = new Date()): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.workspaceId, ctx.workspaceId), eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!revoked) throw notFound("Invitation");
    await recordChanges(tx, { ...ctx, db: tx }, [{ object: "invitation", recordId: id, action: "delete", changes: [], payload: toInvitation(revoked) }]);
  });
}

const expired = () => new AppError("link_expired", "This invitation has expired, was revoked or was already used: ask for a new one.");

/** The pending invitation a link names, or link_expired. */
async function pendingByToken(db: Db, token: string, now: Date): Promise<Row> {
  const parts = splitScopedToken(token);
  if (!parts) throw expired();
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(pending(parts.workspaceId, now), eq(invitations.tokenHash, sha256(parts.secret))));
  if (!row) throw expired();
  return row;
}

/** What the invitation page shows before accepting. */
export async function previewInvitation(db: Db, token: string, now = new Date()) {
  const row = await pendingByToken(db, token, now);
  const workspace = await getWorkspace(db, row.workspaceId);
  // The role the person will get: Read-only when the one invited to was deleted since (acceptInvitation).
  const role = await roleOrFallback({ db, workspaceId: row.workspaceId }, row.role);
  return { workspaceName: workspace?.name ?? "", email: row.email, role, hasAccount: (await identityByEmail(db, row.email)) !== null };
}

/**
 * Accepts an invitation, once. A new email becomes a person with the name and password given; an email that has an
 * account proves it is theirs (signed in as them, or their password and second factor) and gains a membership.
 * Returns the workspace and the new user's id, for a session there.
 */
export async function acceptInvitation(
  db: Db,
  input: { token: string; name?: string; password?: string; totpCode?: string },
  signedInAs: string | null,
  now = new Date(),
): Promise<{ workspaceId: string; userId: string }> {
  const row = await pendingByToken(db, input.token, now);
  const existing = await identityByEmail(db, row.email);
  let identity: Pick<Identity, "id"> | null = existing;
  let name = input.name;
  if (existing) {
    if (signedInAs !== existing.id) {
      if (!input.password || !(await checkPassword(existing, input.password)))
        throw new AppError("invalid_credentials", `Sign in as ${row.email} to accept: the password is not right.`);
      await checkSecondFactor(db, existing, input.totpCode);
    }
  } else {
    if (!name) throw new AppError("validation_failed", "name: enter your name", [{ path: "name", message: "Enter your name" }]);
    if (!input.password || input.password.length < 10)
      throw new AppError("validation_failed", "password: use at least 10 characters", [{ path: "password", message: "Use at least 10 characters" }]);
  }
  const passwordHash = existing ? null : await hashPassword(input.password as string);
  // The invitee has no user yet: the membership is added on the invitation's (the admin's) authority.
  const ctx: Ctx = { db, workspaceId: row.workspaceId, actor: systemActor };
  const role = await roleOrFallback(ctx, row.role);
  return db.transaction(async (tx) => {
    // Spend the link first: two tabs accepting at once make one membership, and the other finds the link used.
    const [taken] = await tx
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(pending(row.workspaceId, now), eq(invitations.id, row.id)))
      .returning({ id: invitations.id });
    if (!taken) throw expired();
    identity ??= { id: await createIdentity(tx, row.email, passwordHash as string) };
    const txCtx = { ...ctx, db: tx };
    if (await isMember(txCtx, row.email)) throw new AppError("conflict", "You are already a user of this workspace.");
    name ??= (existing ? await lastNameOfIdentity(tx, existing.id) : null) ?? row.email.split("@")[0] ?? row.email;
    const userId = await addMember(txCtx, { identityId: identity.id, email: row.email, name, role });
    return { workspaceId: row.workspaceId, userId };
  });
}
