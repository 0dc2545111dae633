import { and, eq, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import encodeQR from "qr";
import { AppError } from "../../core/errors.js";
import type { Db } from "../../db/client.js";
import { checkPassword, type Identity, identityById } from "./identities.js";
import { identities } from "./table.js";
import { randomToken, safeEqual, sha256 } from "./tokens.js";

const ISSUER = "Rapport";
const RECOVERY_CODES = 10;

const totpFor = (secret: string, label: string) =>
  new TOTP({ issuer: ISSUER, label, algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** The code an authenticator app shows now for this secret (tests and the CLI compute it like the app does). */
export const currentTotp = (secret: string, timestamp = Date.now()) => totpFor(secret, "x").generate({ timestamp });

const PERIOD_MS = 30_000;

/**
 * The step a code belongs to, or null when it is not one of the codes around now. One step either side: a phone clock
 * a little off, or a code typed as it turned over, still passes.
 */
function totpStep(secret: string, code: string, now = Date.now()): number | null {
  const delta = totpFor(secret, "x").validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / PERIOD_MS) + delta;
}

/**
 * Spends a code's step: true only when it is later than the last one accepted. One conditional update, so two sign-ins
 * racing with the same code cannot both pass.
 */
async function spendStep(db: Db, identityId: string, step: number): Promise<boolean> {
  const spent = await db
    .update(identities)
    .set({ totpLastStep: step })
    .where(and(eq(identities.id, identityId), or(isNull(identities.totpLastStep), lt(identities.totpLastStep, step))))
    .returning({ id: identities.id });
  return spent.length > 0;
}

async function requireIdentity(db: Db, identityId: string): Promise<Identity> {
  const identity = await identityById(db, identityId);
  if (!identity) throw new AppError("unauthenticated", "Sign in again.");
  return identity;
}

/** Starts enrolment: a new secret to scan, kept as pending until a code from it is confirmed. */
export async function startTotpEnrolment(db: Db, identityId: string): Promise<{ secret: string; uri: string; qrSvg: string }> {
  const identity = await requireIdentity(db, identityId);
  const secret = new Secret({ size: 20 }).base32;
  await db.update(identities).set({ totpPendingSecret: secret }).where(eq(identities.id, identityId));
  const uri = totpFor(secret, identity.email).toString();
  return { secret, uri, qrSvg: encodeQR(uri, "svg") };
}

/** Confirms enrolment with a code from the app; returns recovery codes, shown this once (only hashes are kept). */
export async function confirmTotpEnrolment(db: Db, identityId: string, code: string): Promise<string[]> {
  const identity = await requireIdentity(db, identityId);
  if (!identity.totpPendingSecret) throw new AppError("conflict", "Start the set-up again: there is no code to confirm.");
  const step = totpStep(identity.totpPendingSecret, code);
  if (step === null)
    throw new AppError("validation_failed", "That code is not right: enter the 6 digits your app shows now.", [
      { path: "code", message: "Not the current code" },
    ]);
  const recovery = Array.from({ length: RECOVERY_CODES }, () => randomToken(8).replace(/[-_]/g, "x").slice(0, 10).toLowerCase());
  await db
    .update(identities)
    // The confirming code is spent too: it was typed on this page, and must not also open a sign-in.
    .set({ totpSecret: identity.totpPendingSecret, totpPendingSecret: null, totpLastStep: step, recoveryCodes: recovery.map(sha256), updatedAt: new Date() })
    .where(eq(identities.id, identityId));
  return recovery;
}

export async function disableTotp(db: Db, identityId: string, password: string): Promise<void> {
  const identity = await requireIdentity(db, identityId);
  if (!(await checkPassword(identity, password)))
    throw new AppError("validation_failed", "That password is not right.", [{ path: "password", message: "Not your password" }]);
  await db
    .update(identities)
    .set({ totpSecret: null, totpPendingSecret: null, totpLastStep: null, recoveryCodes: [], updatedAt: new Date() })
    .where(eq(identities.id, identityId));
}

/**
 * The second factor at sign-in: a current code not used before, or an unused recovery code (either is then spent).
 * Throws totp_required without a code, so the sign-in form knows to ask for one.
 */
export async function checkSecondFactor(db: Db, identity: Identity, code: string | undefined): Promise<void> {
  if (!identity.totpSecret) return;
  if (!code) throw new AppError("totp_required", "Enter the code from your authenticator app.");
  const compact = code.replace(/\s+/g, "").toLowerCase();
  const step = /^\d{6}$/.test(compact) ? totpStep(identity.totpSecret, compact) : null;
  if (step !== null) {
    if (await spendStep(db, identity.id, step)) return;
    throw new AppError("totp_required", "That code was already used: wait for your app to show the next one.", [
      { path: "totpCode", message: "Already used; wait for the next code" },
    ]);
  }
  const hashed = sha256(compact);
  const left = identity.recoveryCodes.filter((h) => !safeEqual(h, hashed));
  if (left.length < identity.recoveryCodes.length) {
    await db.update(identities).set({ recoveryCodes: left }).where(eq(identities.id, identity.id));
    return;
  }
  throw new AppError("totp_required", "That code is not right: enter the 6 digits your app shows now, or a recovery code.", [
    { path: "totpCode", message: "Not the current code" },
  ]);
}

export async function accountSecurity(db: Db, identityId: string): Promise<{ totpEnabled: boolean; recoveryCodesLeft: number }> {
  const identity = await requireIdentity(db, identityId);
  return { totpEnabled: identity.totpSecret !== null, recoveryCodesLeft: identity.recoveryCodes.length };
}
