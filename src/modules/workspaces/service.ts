import { eq, sql } from "drizzle-orm";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { workspaces } from "./table.js";

const slugify = (name: string) =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40) || "workspace";

export async function createWorkspace(db: Db, name: string): Promise<{ id: string; name: string; slug: string }> {
  const id = newId();
  // The id's tail keeps slugs unique without a retry loop.
  const slug = `${slugify(name)}-${id.slice(-6)}`;
  await db.insert(workspaces).values({ id, name, slug });
  return { id, name, slug };
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

export interface WorkspaceSettings {
  defaultCountry?: string;
  defaultCurrency?: string;
}

export async function workspaceSettings(ctx: { db: Db; workspaceId: string }): Promise<WorkspaceSettings> {
  const w = await getWorkspace(ctx.db, ctx.workspaceId);
  return w?.settings ?? {};
}
