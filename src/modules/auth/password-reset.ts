import { and, count, eq, gt, isNull } from "drizzle-orm";
import { AppError } from "../../core/errors.js";
import type { Db } from "../../db/client.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { identityByEmail } from "./identities.js";
import { membershipsOf, setIdentityPassword } from "./service.js";
import { passwordResets } from "./table.js";
import { randomToken, sha256 } from "./tokens.js";

export const RESET_MINUTES = 60;
/** Links per person per hour: enough for a lost mail or two, too few to flood someone's inbox. */
const RESETS_PER_HOUR = 3;

/**
 * "Forgot password?": mails a single-use link valid for an hour. Says nothing about whether the email has an account
 * (the caller answers the same either way); an unknown email, or one asked for too often, simply gets no mail.
 */
export async function requestPasswordReset(db: Db, mail: MailQueue, email: string, baseUrl: string, now = new Date()): Promise<void> {
  const identity = await identityByEmail(db, email);
  if (!identity) return;
  const [recent] = await db
    .select({ n: count() })
    .from(passwordResets)
    .where(and(eq(passwordResets.identityId, identity.id), gt(passwordResets.createdAt, new Date(now.getTime() - 3_600_000))));
  if ((recent?.n ?? 0) >= RESETS_PER_HOUR) return;
  // The outbox is kept per workspace: the mail is filed in the one the person used last (any of theirs will do).
  const members = await membershipsOf(db, identity.id);
  const workspaceId = members.find((m) => m.workspace.id === identity.lastWorkspaceId)?.workspace.id ?? members[0]?.workspace.id;
  if (!workspaceId) return;
  const token = randomToken();
  const link = `${baseUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await db
    .insert(passwordResets)
    .values({ id: sha256(token), identityId: identity.id, createdAt: now, expiresAt: new Date(now.getTime() + RESET_MINUTES * 60_000) });
  await queueMail({ db, workspaceId }, mail, {
    kind: "password_reset",
    to: identity.email,
    subject: "Reset your Rapport password",
    text: `Someone (we hope you) asked to reset the password of ${identity.email} on Rapport.\n\nChoose a new password here (the link works once, for ${RESET_MINUTES} minutes):\n${link}\n\nIf it was not you, ignore this mail: your password stays as it is.`,
    sensitive: true,
  });
}

/** Sets the new password from a mailed link, once; every session of the person ends (a thief's included). */
export async function resetPassword(db: Db, token: string, password: string, now = new Date()): Promise<void> {
  const id = sha256(token);
  const [used] = await db
    .update(passwordResets)
    .set({ usedAt: now })
    .where(and(eq(passwordResets.id, id), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now)))
    .returning({ identityId: passwordResets.identityId });
  if (!used) throw new AppError("link_expired", "This reset link has expired or was already used: ask for a new one.");
  await setIdentityPassword(db, used.identityId, password);
  // Other links mailed earlier stop working too: the password they were for is gone.
  await db
    .update(passwordResets)
    .set({ usedAt: now })
    .where(and(eq(passwordResets.identityId, used.identityId), isNull(passwordResets.usedAt)));
}
