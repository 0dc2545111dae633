import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Role } from "../../contract/common.js";
import type { Team, User } from "../../contract/users.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { inIds, param, prepared } from "../../db/prepared.js";
import { cachedConfig, forgetConfig, frozen, servesFromCache } from "../../db/workspace-cache.js";
import { identityForNewMember } from "../auth/identities.js";
import { deleteUserSessions, setMemberPassword } from "../auth/service.js";
import { diff, recordChanges } from "../history/service.js";
import { teamMembers, teams, users } from "./table.js";

async function teamIdsByUser(ctx: Ctx, userIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (userIds.length === 0) return map;
  const rows = await ctx.db
    .select()
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, ctx.workspaceId), inArray(teamMembers.userId, userIds)));
  for (const r of rows) map.set(r.userId, [...(map.get(r.userId) ?? []), r.teamId]);
  return map;
}

const toUser = (u: typeof users.$inferSelect, teamIds: string[]): User => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  active: u.active,
  teamIds,
  createdAt: u.createdAt.toISOString(),
});

export async function listUsers(ctx: Ctx): Promise<User[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db.select().from(users).where(eq(users.workspaceId, ctx.workspaceId)).orderBy(asc(users.name)).limit(5000);
  const teamsOf = await teamIdsByUser(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((u) => toUser(u, teamsOf.get(u.id) ?? []));
}

export async function getUser(ctx: Ctx, id: string): Promise<User> {
  const [u] = await ctx.db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, ctx.workspaceId), eq(users.id, id)));
  if (!u) throw notFound("User");
  const teamsOf = await teamIdsByUser(ctx, [id]);
  return toUser(u, teamsOf.get(id) ?? []);
}

export interface UserSummary {
  readonly name: string;
  readonly active: boolean;
}

/**
 * Every user of the workspace by id, with display name and whether active, through the configuration cache (the users
 * table announces its changes, migration 0012): owners' and actors' names are on nearly every page, forecasts list
 * the active users, and a workspace has few users. A caller in a transaction reads the table instead (as userNames).
 */
export function userDirectory(ctx: Ctx): Promise<ReadonlyMap<string, UserSummary>> {
  return cachedConfig(ctx, "users", async () => {
    const rows = await ctx.db.select({ id: users.id, name: users.name, active: users.active }).from(users).where(eq(users.workspaceId, ctx.workspaceId));
    return new Map(rows.map((u) => [u.id, Object.freeze({ name: u.name, active: u.active })]));
  });
}

/** Display names of some users, for timelines and owners; unknown ids are absent. */
export async function userNames(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  if (servesFromCache(ctx)) {
    const directory = await userDirectory(ctx);
    const found = new Map<string, string>();
    for (const id of unique) {
      const user = directory.get(id);
      if (user !== undefined) found.set(id, user.name);
    }
    // A user another process added a moment ago may not be announced yet: ask the database for the missing ones.
    if (found.size === unique.length) return found;
  }
  const rows = await prepared(ctx.db, "user_names", (db, name) =>
    db
      .select({ id: users.id, name: users.name })
      .from(users)
      .where(and(eq(users.workspaceId, param("workspaceId")), inIds(users.id, "ids")))
      .prepare(name),
  ).execute({ workspaceId: ctx.workspaceId, ids: unique });
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Throws unless every id is a user of this workspace: ids from elsewhere are refused, not linked. */
export async function assertUsersExist(ctx: Ctx, ids: (string | null | undefined)[], path = "ownerId"): Promise<void> {
  const wanted = [...new Set(ids.filter((i): i is string => Boolean(i)))];
  if (wanted.length === 0) return;
  const known = await userDirectory(ctx);
  if (!wanted.every((id) => known.has(id)))
    throw new AppError("validation_failed", `${path}: no such user in this workspace`, [{ path, message: "No such user in this workspace" }]);
}

const USER_FIELDS = ["name", "email", "role", "active", "teamIds"] as const;
const TEAM_FIELDS = ["name", "memberIds"] as const;

/** A user read through the caller's transaction, for the history and events it writes. */
async function userIn(db: Db, ctx: Ctx, id: string): Promise<User | null> {
  const [u] = await db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, ctx.workspaceId), eq(users.id, id)));
  if (!u) return null;
  const members = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.userId, id)));
  return toUser(
    u,
    members.map((m) => m.teamId),
  );
}

async function teamIn(db: Db, ctx: Ctx, id: string): Promise<Team | null> {
  const [t] = await db
    .select()
    .from(teams)
    .where(and(eq(teams.workspaceId, ctx.workspaceId), eq(teams.id, id)));
  if (!t) return null;
  const members = await db
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.teamId, id)));
  return { id: t.id, name: t.name, memberIds: members.map((m) => m.userId), createdAt: t.createdAt.toISOString() };
}

async function assertTeamsExist(ctx: Ctx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await ctx.db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.workspaceId, ctx.workspaceId), inArray(teams.id, ids)));
  if (found.length !== new Set(ids).size) throw new AppError("validation_failed", "teamIds: no such team", [{ path: "teamIds", message: "No such team" }]);
}

async function setUserTeams(db: Db, ctx: Ctx, userId: string, teamIds: string[]) {
  await db.delete(teamMembers).where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.userId, userId)));
  if (teamIds.length)
    await db.insert(teamMembers).values(
      [...new Set(teamIds)].map((teamId) => ({
        workspaceId: ctx.workspaceId,
        teamId,
        userId,
      })),
    );
}

export async function createUser(
  ctx: Ctx,
  input: {
    name: string;
    email: string;
    role: Role;
    password: string;
    teamIds?: string[];
  },
): Promise<User> {
  assertCan(ctx.actor, "admin");
  await assertTeamsExist(ctx, input.teamIds ?? []);
  await assertNotMember(ctx, input.email);
  const identityId = await identityForNewMember(ctx.db, input.email, input.password);
  const id = await addMember(ctx, { identityId, email: input.email, name: input.name, role: input.role, teamIds: input.teamIds });
  return getUser(ctx, id);
}

async function assertNotMember(ctx: Ctx, email: string): Promise<void> {
  const [existing] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.workspaceId, ctx.workspaceId), eq(users.email, email.toLowerCase())));
  if (existing) throw new AppError("conflict", "A user with this email already exists", [{ path: "email", message: "Already in use" }]);
}

/** Whether this email already belongs to the workspace (an invitation to it would add nothing). */
export async function isMember(ctx: Ctx, email: string): Promise<boolean> {
  const [existing] = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.workspaceId, ctx.workspaceId), eq(users.email, email.toLowerCase())));
  return existing !== undefined;
}

/** The name a person goes by in the workspace they joined last: a new membership starts with it. */
export async function lastNameOfIdentity(db: Db, identityId: string): Promise<string | null> {
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.identityId, identityId)).orderBy(desc(users.createdAt)).limit(1);
  return row?.name ?? null;
}

/**
 * Adds a person (an identity) to the workspace with a role: the membership row, its teams, its history and event,
 * in one transaction. Used by admins adding users and by accepted invitations. Returns the user id.
 */
export async function addMember(ctx: Ctx, input: { identityId: string; email: string; name: string; role: Role; teamIds?: string[] }): Promise<string> {
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(users).values({
      workspaceId: ctx.workspaceId,
      id,
      identityId: input.identityId,
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
    });
    await setUserTeams(tx, ctx, id, input.teamIds ?? []);
    const after = await userIn(tx, ctx, id);
    await recordChanges(tx, ctx, [{ object: "user", recordId: id, action: "create", changes: diff(null, after, USER_FIELDS), payload: after ?? undefined }]);
  });
  forgetConfig(ctx);
  return id;
}

export async function updateUser(
  ctx: Ctx,
  id: string,
  input: {
    name?: string;
    role?: Role;
    active?: boolean;
    password?: string;
    teamIds?: string[];
  },
): Promise<User> {
  assertCan(ctx.actor, "admin");
  const current = await getUser(ctx, id);
  if (input.teamIds) await assertTeamsExist(ctx, input.teamIds);
  const demotesSelf = id === ctx.actor.userId && ((input.role && input.role !== "admin") || input.active === false);
  if (demotesSelf) throw new AppError("conflict", "You cannot remove your own admin role or deactivate yourself; ask another admin.");
  // The password is the person's, shared by their workspaces: set it only where this workspace alone holds them.
  if (input.password) await setMemberPassword(ctx.db, ctx.workspaceId, id, input.password);
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({
        name: input.name,
        role: input.role,
        active: input.active,
        updatedAt: new Date(),
      })
      .where(and(eq(users.workspaceId, ctx.workspaceId), eq(users.id, id)));
    if (input.teamIds) await setUserTeams(tx, ctx, id, input.teamIds);
    const after = await userIn(tx, ctx, id);
    // A new password is a change worth an event, never its value.
    const changes = [...diff(current, after, USER_FIELDS), ...(input.password ? [{ field: "password", from: null, to: "(changed)" }] : [])];
    await recordChanges(tx, ctx, [{ object: "user", recordId: id, action: "update", changes, payload: after ?? undefined }]);
  });
  forgetConfig(ctx);
  if (input.active === false || input.password || (input.role && input.role !== current.role)) {
    await deleteUserSessions(ctx.db, ctx.workspaceId, id);
  }
  return getUser(ctx, id);
}

// ---- teams ----

/**
 * The workspace's teams by name, with their members, through the configuration cache (teams and team_members announce
 * their changes, migration 0016): forecasts, reports and quota pages scope by them. Frozen: shared by every request.
 */
/** A team as the configuration cache holds it: frozen, with its members. */
export type TeamView = Readonly<Omit<Team, "memberIds"> & { memberIds: readonly string[] }>;

export function listTeams(ctx: Ctx): Promise<readonly TeamView[]> {
  assertCan(ctx.actor, "read");
  return cachedConfig(ctx, "teams", async () => {
    const rows = await ctx.db.select().from(teams).where(eq(teams.workspaceId, ctx.workspaceId)).orderBy(asc(teams.name));
    const members = await ctx.db.select().from(teamMembers).where(eq(teamMembers.workspaceId, ctx.workspaceId));
    return frozen(
      rows.map((t) => ({
        id: t.id,
        name: t.name,
        memberIds: Object.freeze(members.filter((m) => m.teamId === t.id).map((m) => m.userId)),
        createdAt: t.createdAt.toISOString(),
      })),
    );
  });
}

async function setTeamMembers(db: Db, ctx: Ctx, teamId: string, memberIds: string[]) {
  await db.delete(teamMembers).where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.teamId, teamId)));
  if (memberIds.length)
    await db.insert(teamMembers).values(
      [...new Set(memberIds)].map((userId) => ({
        workspaceId: ctx.workspaceId,
        teamId,
        userId,
      })),
    );
}

async function getTeam(ctx: Ctx, id: string): Promise<Team> {
  const team = (await listTeams(ctx)).find((t) => t.id === id);
  if (!team) throw notFound("Team");
  return { ...team, memberIds: [...team.memberIds] };
}

export async function createTeam(ctx: Ctx, input: { name: string; memberIds?: string[] }): Promise<Team> {
  assertCan(ctx.actor, "admin");
  await assertUsersExist(ctx, input.memberIds ?? [], "memberIds");
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(teams).values({ workspaceId: ctx.workspaceId, id, name: input.name });
    await setTeamMembers(tx, ctx, id, input.memberIds ?? []);
    const after = await teamIn(tx, ctx, id);
    await recordChanges(tx, ctx, [{ object: "team", recordId: id, action: "create", changes: diff(null, after, TEAM_FIELDS), payload: after ?? undefined }]);
  });
  forgetConfig(ctx);
  return getTeam(ctx, id);
}

export async function updateTeam(ctx: Ctx, id: string, input: { name?: string; memberIds?: string[] }): Promise<Team> {
  assertCan(ctx.actor, "admin");
  const before = await getTeam(ctx, id);
  await assertUsersExist(ctx, input.memberIds ?? [], "memberIds");
  await ctx.db.transaction(async (tx) => {
    if (input.name)
      await tx
        .update(teams)
        .set({ name: input.name })
        .where(and(eq(teams.workspaceId, ctx.workspaceId), eq(teams.id, id)));
    if (input.memberIds) await setTeamMembers(tx, ctx, id, input.memberIds);
    const after = await teamIn(tx, ctx, id);
    await recordChanges(tx, ctx, [{ object: "team", recordId: id, action: "update", changes: diff(before, after, TEAM_FIELDS), payload: after ?? undefined }]);
  });
  forgetConfig(ctx);
  return getTeam(ctx, id);
}

export async function deleteTeam(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const before = await getTeam(ctx, id);
  await ctx.db.transaction(async (tx) => {
    await recordChanges(tx, ctx, [{ object: "team", recordId: id, action: "delete", changes: [], payload: before }]);
    await tx.delete(teamMembers).where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.teamId, id)));
    await tx.delete(teams).where(and(eq(teams.workspaceId, ctx.workspaceId), eq(teams.id, id)));
  });
  forgetConfig(ctx);
}

/** Users who share a team with this user (and the user), for "my team's records". */
export async function teammateIds(ctx: Ctx, userId: string): Promise<string[]> {
  const mine = ctx.db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, ctx.workspaceId), eq(teamMembers.userId, userId)));
  const rows = await ctx.db
    .selectDistinct({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, ctx.workspaceId), inArray(teamMembers.teamId, mine)));
  return [...new Set([userId, ...rows.map((r) => r.userId)])];
}

/** Active users of this workspace by email (lower-cased): for imports that name owners by email. */
/**
 * Users named in a file's owner column: by email, or (for values that are not emails) by full name when exactly
 * one user of the workspace has it. Keys are the values lower-cased; values naming nobody, or several, are absent.
 */
export async function userIdsByEmailOrName(ctx: Ctx, refs: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(refs.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const byEmail = await userIdsByEmail(
    ctx,
    wanted.filter((r) => r.includes("@")),
  );
  const names = wanted.filter((r) => !r.includes("@"));
  if (names.length) {
    const rows = await ctx.db
      .select({ id: users.id, name: sql<string>`lower(${users.name})` })
      .from(users)
      .where(and(eq(users.workspaceId, ctx.workspaceId), inArray(sql`lower(${users.name})`, names)));
    const count = new Map<string, number>();
    for (const r of rows) count.set(r.name, (count.get(r.name) ?? 0) + 1);
    for (const r of rows) if (count.get(r.name) === 1) byEmail.set(r.name, r.id);
  }
  return byEmail;
}

export async function userIdsByEmail(ctx: Ctx, emails: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  if (wanted.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.workspaceId, ctx.workspaceId), inArray(users.email, wanted)));
  return new Map(rows.map((r) => [r.email.toLowerCase(), r.id]));
}
