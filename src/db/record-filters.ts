import { type AnyColumn, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../core/context.js";
import { AppError } from "../core/errors.js";
import type { Db } from "./client.js";

/** Who shares a team with a user (the user included): the users module's lookup, passed in so db/ never calls a module. */
export type TeammateLookup = (ctx: Ctx, userId: string) => Promise<string[]>;

/** ownerId filter: a user id, "me", "team" (anyone sharing a team with me) or "none". */
export async function ownerFilter(ctx: Ctx, column: AnyColumn, ownerId: string | undefined, teammateIds: TeammateLookup): Promise<SQL | undefined> {
  if (!ownerId) return undefined;
  if (ownerId === "none") return isNull(column);
  if (ownerId === "me" || ownerId === "team") {
    if (!ctx.actor.userId) throw new AppError("bad_request", `ownerId=${ownerId} needs a signed-in user`);
    return ownerId === "me" ? sql`${column} = ${ctx.actor.userId}::uuid` : inArray(column, await teammateIds(ctx, ctx.actor.userId));
  }
  if (!/^[0-9a-f-]{36}$/i.test(ownerId))
    throw new AppError("validation_failed", "ownerId must be a user id, me, team or none", [{ path: "ownerId", message: "Not a user id" }]);
  return sql`${column} = ${ownerId}::uuid`;
}

/** Trigram search that tolerates typos: word similarity for misspellings, substring for partial input. */
export function textSearch(column: AnyColumn, q: string | undefined): SQL | undefined {
  if (!q?.trim()) return undefined;
  const term = searchTerm(q);
  const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${column} ilike ${like} or ${term} <% ${column})`;
}

export const trashFilter = (column: AnyColumn, trashed: string | undefined) => (trashed === "true" ? isNotNull(column) : isNull(column));

const stripAccents = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "");

/** Lower-cased words joined by spaces, plus their accent-free spelling: what search_text holds. */
export function searchText(parts: (string | null | undefined)[]): string {
  const text = parts
    .filter((p): p is string => Boolean(p))
    .join(" ")
    .normalize("NFKC")
    .toLowerCase();
  const plain = stripAccents(text);
  return (plain === text ? text : `${text} ${plain}`).slice(0, 4000);
}

/** The search term in the same form as search_text. */
export const searchTerm = (q: string) => stripAccents(q.trim().normalize("NFKC").toLowerCase());

/**
 * pg_trgm's default word-similarity threshold (0.6) misses ordinary one-letter typos in short names
 * ("Margeret"); 0.4 catches them while staying selective. SET LOCAL keeps it to this transaction. Pass the
 * list's search term as `search.q` when there may be none.
 */
export async function withTypoTolerance<T>(db: Db, fn: (tx: Db) => Promise<T>, search?: { q: string | undefined }): Promise<T> {
  // A list without a search term needs no threshold: its one query runs without BEGIN, set_config and COMMIT
  // (three round trips, which on PGlite queue behind every other request).
  if (search && !search.q?.trim()) return fn(db);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('pg_trgm.word_similarity_threshold', '0.4', true)`);
    return fn(tx);
  });
}
