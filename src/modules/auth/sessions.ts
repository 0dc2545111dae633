import { and, desc, eq, gt } from "drizzle-orm";
import type { SessionInfo } from "../../contract/sessions.js";
import { AppError, notFound } from "../../core/errors.js";
import type { Db } from "../../db/client.js";
import { deleteIdentitySessions, type Principal } from "./service.js";
import { sessions } from "./table.js";
import { describeUserAgent } from "./user-agent.js";

/** Sessions belong to the person signed in: only a session (not an API key) lists or ends them. */
function own(principal: Principal | null): { workspaceId: string; userId: string; identityId: string; sessionId: string } {
  if (!principal?.sessionId) throw new AppError("forbidden", "Sessions are managed from a signed-in browser, not with an API key.");
  return { workspaceId: principal.workspace.id, userId: principal.user.id, identityId: principal.identityId, sessionId: principal.sessionId };
}

export async function listMySessions(db: Db, principal: Principal | null): Promise<SessionInfo[]> {
  const me = own(principal);
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.workspaceId, me.workspaceId), eq(sessions.userId, me.userId), gt(sessions.expiresAt, new Date())))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(500);
  return rows.map((r) => ({
    id: r.id,
    ...describeUserAgent(r.userAgent),
    ip: r.ip,
    method: r.method === "sso" ? "sso" : "password",
    createdAt: r.createdAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    current: r.id === me.sessionId,
  }));
}

/** Ends one of my sessions; says whether it was the one making the request (its cookie is then cleared). */
export async function signOutSession(db: Db, principal: Principal | null, id: string): Promise<{ current: boolean }> {
  const me = own(principal);
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.workspaceId, me.workspaceId), eq(sessions.userId, me.userId), eq(sessions.id, id)))
    .returning({ id: sessions.id });
  if (deleted.length === 0) throw notFound("Session");
  return { current: id === me.sessionId };
}

/**
 * "Sign out everywhere": every other session of the person, in every workspace they belong to (one password opens
 * them all, so a stolen one is ended wherever it was used), and this one too when asked.
 */
export async function signOutEverywhere(db: Db, principal: Principal | null, includeThisSession: boolean): Promise<number> {
  const me = own(principal);
  return deleteIdentitySessions(db, me.identityId, includeThisSession ? undefined : { workspaceId: me.workspaceId, sessionId: me.sessionId });
}
