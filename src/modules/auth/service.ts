import { and, eq, gt, sql } from "drizzle-orm";
import type { Me } from "../../contract/auth.js";
import type { Role } from "../../contract/common.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { diff, recordChanges } from "../history/service.js";
import { seedBuiltInRoles } from "../roles/seed.js";
import { users } from "../users/table.js";
import { createWorkspace, fallbackTimeZone } from "../workspaces/service.js";
import { workspaces } from "../workspaces/table.js";
import { dummyHash, hashPassword, verifyPassword } from "./passwords.js";
import { sessions } from "./table.js";
import { randomToken, sha256, splitScopedToken } from "./tokens.js";

export const SESSION_DAYS = 30;

const workspaceTimeZone = sql<string>`coalesce(${workspaces.settings}->>'timeZone', ${fallbackTimeZone})`;

export interface Principal {
  workspace: { id: string; name: string; slug: string; timeZone: string };
  user: { id: string; name: string; email: string; role: Role };
}

export const toMe = (p: Principal): Me => ({
  user: p.user,
  workspace: p.workspace,
});

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
): Promise<Principal> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const workspace = await createWorkspace(tx, input.workspaceName, {
      defaultCountry: input.defaultCountry,
      defaultCurrency: input.defaultCurrency,
      timeZone: input.timeZone,
    });
    await seedBuiltInRoles(tx, workspace.id);
    const userId = newId();
    const [created] = await tx
      .insert(users)
      .values({
        workspaceId: workspace.id,
        id: userId,
        email: input.email,
        name: input.name,
        role: "admin",
        passwordHash,
      })
      .returning({ createdAt: users.createdAt });
    // The first admin is a user like any other: consumers (webhooks, sync) hear of it as of those added later.
    const user = { id: userId, name: input.name, email: input.email, role: "admin", active: true, teamIds: [], createdAt: created?.createdAt.toISOString() };
    const ctx = { db: tx, workspaceId: workspace.id, actor: { kind: "user" as const, userId, role: "admin" as const } };
    await recordChanges(tx, ctx, [
      { object: "user", recordId: userId, action: "create", changes: diff(null, user, ["name", "email", "role", "active", "teamIds"]), payload: user },
    ]);
    return {
      workspace,
      user: {
        id: userId,
        name: input.name,
        email: input.email,
        role: "admin" as const,
      },
    };
  });
}

export async function login(db: Db, input: { email: string; password: string; workspaceId?: string }): Promise<Principal> {
  // The one query not scoped to a workspace: at sign-in we do not know it yet.
  const candidates = await db
    .select({
      user: users,
      workspace: {
        id: workspaces.id,
        name: workspaces.name,
        slug: workspaces.slug,
        timeZone: workspaceTimeZone,
      },
    })
    .from(users)
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(eq(users.email, input.email), eq(users.active, true), input.workspaceId ? eq(users.workspaceId, input.workspaceId) : undefined))
    .limit(20);
  if (candidates.length === 0) {
    await verifyPassword(await dummyHash(), input.password);
    throw new AppError("invalid_credentials", "The email or password is not right.");
  }
  const matching = [];
  for (const c of candidates) if (await verifyPassword(c.user.passwordHash, input.password)) matching.push(c);
  if (matching.length === 0) throw new AppError("invalid_credentials", "The email or password is not right.");
  if (matching.length > 1) {
    throw new AppError("workspace_required", "This email belongs to several workspaces; choose one.", undefined, {
      workspaces: matching.map((m) => ({
        id: m.workspace.id,
        name: m.workspace.name,
      })),
    });
  }
  const m = matching[0] as (typeof matching)[number];
  return {
    workspace: m.workspace,
    user: {
      id: m.user.id,
      name: m.user.name,
      email: m.user.email,
      role: m.user.role,
    },
  };
}

/** Returns the cookie value: "<workspace id>.<secret>"; only the secret's hash is stored. */
export async function createSession(db: Db, workspaceId: string, userId: string): Promise<string> {
  const secret = randomToken();
  await db.insert(sessions).values({
    workspaceId,
    id: sha256(secret),
    userId,
    expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000),
  });
  return `${workspaceId}.${secret}`;
}

export async function resolveSession(db: Db, cookie: string): Promise<Principal | null> {
  const parts = splitScopedToken(cookie);
  if (!parts) return null;
  const rows = await db
    .select({
      user: users,
      workspace: {
        id: workspaces.id,
        name: workspaces.name,
        slug: workspaces.slug,
        timeZone: workspaceTimeZone,
      },
    })
    .from(sessions)
    .innerJoin(users, and(eq(users.workspaceId, sessions.workspaceId), eq(users.id, sessions.userId)))
    .innerJoin(workspaces, eq(workspaces.id, sessions.workspaceId))
    .where(and(eq(sessions.workspaceId, parts.workspaceId), eq(sessions.id, sha256(parts.secret)), gt(sessions.expiresAt, new Date()), eq(users.active, true)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return {
    workspace: row.workspace,
    user: {
      id: row.user.id,
      name: row.user.name,
      email: row.user.email,
      role: row.user.role,
    },
  };
}

export async function deleteSession(db: Db, cookie: string): Promise<void> {
  const parts = splitScopedToken(cookie);
  if (!parts) return;
  await db.delete(sessions).where(and(eq(sessions.workspaceId, parts.workspaceId), eq(sessions.id, sha256(parts.secret))));
}

export async function deleteUserSessions(db: Db, workspaceId: string, userId: string): Promise<void> {
  await db.delete(sessions).where(and(eq(sessions.workspaceId, workspaceId), eq(sessions.userId, userId)));
}
