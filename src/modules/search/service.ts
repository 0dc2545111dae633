import { type SQL, sql } from "drizzle-orm";
import type { SearchHit } from "../../contract/search.js";
import type { Ctx } from "../../core/context.js";
import { normalisePhone } from "../../core/phones.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { searchTerm, withTypoTolerance } from "../../db/record-filters.js";
import { workspaceSettings } from "../workspaces/service.js";

const likeOf = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Companies and contacts at once, ranked by trigram word similarity, so "Kowalcyk" finds "Kowalczyk".
 * Both halves use the GIN trigram index on search_text (ILIKE for substrings, <% for misspellings).
 */
export async function globalSearch(ctx: Ctx, q: string, limit: number): Promise<SearchHit[]> {
  assertCan(ctx.actor, "read");
  const term = searchTerm(q);
  const likes = [likeOf(term)];
  const digits = q.replace(/\D/g, "");
  if (digits.length >= 5 && /^[\d\s()+.\-/]+$/.test(q.trim())) {
    const e164 = normalisePhone(q, (await workspaceSettings(ctx)).defaultCountry);
    likes.push(likeOf(digits));
    if (e164) likes.push(likeOf(e164.slice(1)));
  }
  const match = (column: SQL) =>
    sql`(${sql.join(
      likes.map((l) => sql`${column} ilike ${l}`),
      sql` or `,
    )} or ${term} <% ${column})`;
  const score = (column: SQL) => sql`greatest(word_similarity(${term}, ${column}), case when ${column} ilike ${likes[0]} then 1 else 0 end)`;
  const st = sql.raw("search_text");
  if (isShort(term)) return shortSearch(ctx, term, limit, score(st));
  const rows = await withTypoTolerance(ctx.db, (tx) =>
    queryRows<{
      object: "company" | "contact";
      id: string;
      title: string;
      subtitle: string | null;
      score: number;
    }>(
      tx,
      sql`
    (select 'contact' as object, id,
            coalesce(nullif(trim(first_name || ' ' || last_name), ''), primary_email, '(no name)') as title,
            concat_ws(' · ', nullif(job_title, ''), primary_email, primary_phone) as subtitle,
            ${score(st)}::float8 as score
       from contacts
      where workspace_id = ${ctx.workspaceId} and deleted_at is null and ${match(st)}
      order by score desc, id limit ${limit})
    union all
    (select 'company', id, name, concat_ws(' · ', domain, industry), ${score(st)}::float8
       from companies
      where workspace_id = ${ctx.workspaceId} and deleted_at is null and ${match(st)}
      order by 5 desc, id limit ${limit})
    order by score desc limit ${limit}`,
    ),
  );
  return rows.map((r) => ({
    ...r,
    subtitle: r.subtitle || null,
    score: Math.round(Number(r.score) * 1000) / 1000,
  }));
}

/**
 * Typeahead input (one to four characters) is too short for typos to mean anything. Two short words ("o m" from
 * "O'M…") count too: as a substring and similarity search they matched half a million contacts (70 s at 1m).
 */
const isShort = (term: string) => term.length < 5;
/** Rows ranked per half: enough for a typeahead list, and a bound on the work a common prefix causes. */
const SHORT_CANDIDATES = 200;

/**
 * Words starting with the term (the tsvector GIN index, which takes any length) or, from three characters,
 * containing it (the trigram index). Substring and similarity matching of one or two letters cannot use an
 * index and read every row: 30 s at a million contacts. Each half scores at most SHORT_CANDIDATES matches.
 */
async function shortSearch(ctx: Ctx, term: string, limit: number, score: SQL): Promise<SearchHit[]> {
  // Letters and digits only, so the tsquery text cannot be malformed: "o'b" → 'o' & 'b':*
  const words = term.match(/[\p{L}\p{N}]+/gu) ?? [];
  const prefix = words.length ? sql`search_vector @@ to_tsquery('simple', ${`${words.map((w) => `'${w}'`).join(" & ")}:*`})` : undefined;
  const substring = term.length >= 3 ? sql`search_text ilike ${likeOf(term)}` : undefined;
  if (!prefix && !substring) return [];
  const match = prefix && substring ? sql`(${prefix} or ${substring})` : ((prefix ?? substring) as SQL);
  const rows = await queryRows<{ object: "company" | "contact"; id: string; title: string; subtitle: string | null; score: number }>(
    ctx.db,
    sql`
    (select object, id, title, subtitle, score from (
       select 'contact' as object, id,
              coalesce(nullif(trim(first_name || ' ' || last_name), ''), primary_email, '(no name)') as title,
              concat_ws(' · ', nullif(job_title, ''), primary_email, primary_phone) as subtitle,
              ${score}::float8 as score
         from contacts
        where workspace_id = ${ctx.workspaceId} and deleted_at is null and ${match}
        limit ${SHORT_CANDIDATES}) c
      order by score desc, id limit ${limit})
    union all
    (select object, id, title, subtitle, score from (
       select 'company' as object, id, name as title, concat_ws(' · ', domain, industry) as subtitle, ${score}::float8 as score
         from companies
        where workspace_id = ${ctx.workspaceId} and deleted_at is null and ${match}
        limit ${SHORT_CANDIDATES}) c
      order by score desc, id limit ${limit})
    order by score desc limit ${limit}`,
  );
  return rows.map((r) => ({ ...r, subtitle: r.subtitle || null, score: Math.round(Number(r.score) * 1000) / 1000 }));
}
