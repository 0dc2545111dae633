import { eq, sql } from "drizzle-orm";
import type { UpdateWorkspaceBody, WorkspaceInfo } from "../../contract/workspaces.js";
import type { Ctx } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { diff, recordChanges } from "../history/service.js";
import { workspaces } from "./table.js";

const slugify = (name: string) =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40) || "workspace";

export async function createWorkspace(
  db: Db,
  name: string,
  settings: WorkspaceSettings = {},
): Promise<{ id: string; name: string; slug: string; timeZone: string }> {
  const id = newId();
  // The id's tail keeps slugs unique without a retry loop.
  const slug = `${slugify(name)}-${id.slice(-6)}`;
  const chosen = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as WorkspaceSettings;
  await db.insert(workspaces).values({ id, name, slug, settings: chosen });
  return { id, name, slug, timeZone: chosen.timeZone ?? fallbackTimeZone };
}

export async function hasWorkspaces(db: Db): Promise<boolean> {
  const rows = await db.select({ one: sql<number>`1` }).from(workspaces).limit(1);
  return rows.length > 0;
}

export async function listWorkspaces(db: Db) {
  return db.select().from(workspaces).orderBy(workspaces.createdAt);
}

export async function getWorkspace(db: Db, id: string) {
  const [w] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return w ?? null;
}

/** A workspace by its public name (the help centre's and portal's addresses carry it). */
export async function workspaceBySlug(db: Db, slug: string) {
  const [w] = await db.select().from(workspaces).where(eq(workspaces.slug, slug));
  return w ?? null;
}

export interface WorkspaceSettings {
  defaultCountry?: string;
  defaultCurrency?: string;
  /** IANA name; dates are shown, bucketed into days and periods, and exported in it. */
  timeZone?: string;
  /** Members must have a second factor (TOTP): those without are asked to enrol before anything else. */
  requireTotp?: boolean;
}

export async function workspaceSettings(ctx: { db: Db; workspaceId: string }): Promise<WorkspaceSettings> {
  return cachedConfig(ctx, "settings", async () => frozen((await getWorkspace(ctx.db, ctx.workspaceId))?.settings ?? {}));
}

/** Used when a workspace has not chosen a currency: records and reports still need one. */
export const fallbackCurrency = "USD";
/** Workspaces created before time zones were asked for, or through the API without one, keep showing UTC. */
export const fallbackTimeZone = "UTC";

/** The workspace's time zone (cached with its settings). */
export async function workspaceTimeZone(ctx: { db: Db; workspaceId: string }): Promise<string> {
  return (await workspaceSettings(ctx)).timeZone ?? fallbackTimeZone;
}

const toInfo = (w: typeof workspaces.$inferSelect): WorkspaceInfo => ({
  id: w.id,
  name: w.name,
  slug: w.slug,
  defaultCountry: w.settings.defaultCountry ?? null,
  defaultCurrency: w.settings.defaultCurrency ?? fallbackCurrency,
  timeZone: w.settings.timeZone ?? fallbackTimeZone,
  requireTotp: w.settings.requireTotp ?? false,
  createdAt: w.createdAt.toISOString(),
});

export async function getWorkspaceInfo(ctx: Ctx): Promise<WorkspaceInfo> {
  assertCan(ctx.actor, "read");
  const w = await getWorkspace(ctx.db, ctx.workspaceId);
  if (!w) throw notFound("workspace");
  return toInfo(w);
}

export async function updateWorkspace(ctx: Ctx, input: UpdateWorkspaceBody): Promise<WorkspaceInfo> {
  assertCan(ctx.actor, "admin");
  const info = await ctx.db.transaction(async (tx) => {
    const [w] = await tx.select().from(workspaces).where(eq(workspaces.id, ctx.workspaceId)).for("update");
    if (!w) throw notFound("workspace");
    const settings = { ...w.settings };
    if (input.defaultCountry !== undefined) {
      if (input.defaultCountry === null) delete settings.defaultCountry;
      else settings.defaultCountry = input.defaultCountry;
    }
    if (input.defaultCurrency !== undefined) settings.defaultCurrency = input.defaultCurrency;
    if (input.timeZone !== undefined) settings.timeZone = input.timeZone;
    if (input.requireTotp !== undefined) settings.requireTotp = input.requireTotp;
    const [updated] = await tx
      .update(workspaces)
      .set({ name: input.name ?? w.name, settings })
      .where(eq(workspaces.id, ctx.workspaceId))
      .returning();
    const before = toInfo(w);
    const after = toInfo(updated as typeof workspaces.$inferSelect);
    const fields = Object.keys(after) as (keyof typeof after)[];
    await recordChanges(tx, ctx, [
      { object: "workspace_settings", recordId: ctx.workspaceId, action: "update", changes: diff(before, after, fields), payload: after },
    ]);
    return after;
  });
  forgetConfig(ctx);
  return info;
}
