import { and, desc, eq, isNull } from "drizzle-orm";
import type { Role } from "../../contract/common.js";
import type { ApiKey } from "../../contract/users.js";
import type { Ctx } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { randomToken, sha256, splitScopedToken } from "../auth/tokens.js";
import { recordChanges } from "../history/service.js";
import { workspaces } from "../workspaces/table.js";
import { apiKeys } from "./table.js";

const KEY_PREFIX = "rpk_";

const toApiKey = (k: typeof apiKeys.$inferSelect): ApiKey => ({
  id: k.id,
  name: k.name,
  role: k.role,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

export async function listApiKeys(ctx: Ctx): Promise<ApiKey[]> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.select().from(apiKeys).where(eq(apiKeys.workspaceId, ctx.workspaceId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(toApiKey);
}

/** The key is "rpk_<workspace id>.<secret>"; only its hash is stored, so it is shown once. */
export async function createApiKey(ctx: Ctx, input: { name: string; role: Role }): Promise<ApiKey & { key: string }> {
  assertCan(ctx.actor, "admin");
  const secret = randomToken();
  const key = `${KEY_PREFIX}${ctx.workspaceId}.${secret}`;
  const created = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: input.name,
        role: input.role,
        prefix: `${KEY_PREFIX}…${secret.slice(0, 6)}`,
        keyHash: sha256(secret),
        createdBy: ctx.actor.userId,
      })
      .returning();
    const apiKey = toApiKey(row as typeof apiKeys.$inferSelect);
    // The event carries what the list shows (name, role, prefix), never the key or its hash.
    await recordChanges(tx, ctx, [{ object: "api_key", recordId: apiKey.id, action: "create", changes: [], payload: apiKey }]);
    return apiKey;
  });
  return { ...created, key };
}

export async function revokeApiKey(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.transaction(async (tx) => {
    const revoked = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.workspaceId, ctx.workspaceId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning();
    for (const row of revoked) await recordChanges(tx, ctx, [{ object: "api_key", recordId: row.id, action: "delete", changes: [], payload: toApiKey(row) }]);
    return revoked;
  });
  forgetKey(id);
  if (rows.length === 0) {
    const [exists] = await ctx.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.workspaceId, ctx.workspaceId), eq(apiKeys.id, id)));
    if (!exists) throw notFound("API key");
  }
}

export interface KeyPrincipal {
  workspace: { id: string; name: string; slug: string };
  keyId: string;
  role: Role;
  createdBy: string | null;
}

/**
 * Keys resolved in the last few seconds, by the hash of their secret. An integration sends its key with every
 * request; looking it up each time was one more query than the work itself (the bench measured get-by-id at a
 * third of a bare handler's rate). A revocation clears the entry here at once; other server processes notice
 * within KEY_CACHE_MS.
 */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 1_000;
const keyCache = new Map<string, { principal: KeyPrincipal; until: number; lastUsedAt: number }>();

export async function resolveApiKey(db: Db, raw: string): Promise<KeyPrincipal | null> {
  if (!raw.startsWith(KEY_PREFIX)) return null;
  const parts = splitScopedToken(raw.slice(KEY_PREFIX.length));
  if (!parts) return null;
  const hash = sha256(parts.secret);
  const now = Date.now();
  const cached = keyCache.get(hash);
  if (cached && cached.until > now && cached.principal.workspace.id === parts.workspaceId) {
    if (now - cached.lastUsedAt > 60_000) {
      cached.lastUsedAt = now;
      await recordUse(db, parts.workspaceId, cached.principal.keyId);
    }
    return cached.principal;
  }
  const [row] = await db
    .select({
      key: apiKeys,
      workspace: {
        id: workspaces.id,
        name: workspaces.name,
        slug: workspaces.slug,
      },
    })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .where(and(eq(apiKeys.workspaceId, parts.workspaceId), eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) {
    keyCache.delete(hash);
    return null;
  }
  let lastUsedAt = row.key.lastUsedAt?.getTime() ?? 0;
  // Recording use at most once a minute keeps a busy integration from writing on every read.
  if (now - lastUsedAt > 60_000) {
    lastUsedAt = now;
    await recordUse(db, parts.workspaceId, row.key.id);
  }
  const principal: KeyPrincipal = {
    workspace: row.workspace,
    keyId: row.key.id,
    role: row.key.role,
    createdBy: row.key.createdBy,
  };
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(hash, { principal, until: now + KEY_CACHE_MS, lastUsedAt });
  return principal;
}

async function recordUse(db: Db, workspaceId: string, keyId: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiKeys.workspaceId, workspaceId), eq(apiKeys.id, keyId)));
}

function forgetKey(keyId: string): void {
  for (const [hash, entry] of keyCache) if (entry.principal.keyId === keyId) keyCache.delete(hash);
}
