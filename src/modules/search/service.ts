import { type SQL, sql } from "drizzle-orm";
import type { SearchHit } from "../../contract/search.js";
import type { Ctx } from "../../core/context.js";
import { normalisePhone } from "../../core/phones.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { searchTerm } from "../../db/record-filters.js";
import { visibleWhere } from "../../db/visibility.js";
import { searchTickets } from "../tickets/service.js";
import { workspaceSettings } from "../workspaces/service.js";

// Global search (issue #5). Numbers: the bench's 1,000,000-contact, 100,000-company workspace on PostgreSQL 15, each
// query alone (EXPLAIN ANALYZE of every statement it runs, medians of 40 bench-style misspellings and 30 two-to-four-
// letter prefixes), and the bench's search scenarios (10 connections, 2 cores).
//
// It used to run `term <% search_text` on the trigram GIN index for every term of five characters or more. A misspelled
// common name ("Smiht", "Matrin") shares trigrams with tens of thousands of rows, each fetched from the heap and ranked
// by word_similarity: 248 ms median, 0.74 s p90, 2.1 s worst alone; p95 5.9 s under load. A GiST trigram index
// ordered by distance (KNN) does not help: its pages mix unrelated names, so the nearest 10 still meant reading most of
// the index (on first + last name only, siglen 256: 9k of its 9.3k pages, 0.2–1 s).
//
// Now each query word is first looked up in the workspace's vocabulary (search_words, every distinct word of contacts'
// and companies' search_text, kept by triggers: migration 0005_search_words): the words it starts (typeahead), and the
// words within one typo of it (a letter dropped, added or changed, two letters swapped), found in well under a
// millisecond because such words share a one-letter deletion (a GIN index on the deletions, any script). The records
// are then found by exact words through the tsvector GIN index. Misspellings: 2.8 ms median, 5.3 ms p90, 7.9 ms worst
// alone; p95 81–101 ms over four 10 s runs (~200 req/s; before: 2 req/s). Typeahead: 8.2 → 0.7 ms median, 36 → 3.2 ms
// worst alone; p95 351 → 47–58 ms (~340 req/s).

/** Typeahead input (one to four characters) is too short for typos to mean anything: words starting with it only. */
const isShort = (term: string) => term.length < 5;
/**
 * Rows each way of matching (words, corrected words, substring) may add per table: the pool that is ranked. Each is
 * read from the heap and scored (~15 µs): 200 were a third of "Matrin" (3.3 of 9 ms), for a page of 10.
 */
const CANDIDATES = 100;
/**
 * Vocabulary words a query word expands to as a prefix, shortest first ("ma" → ma, mai, max, …): the closest
 * completions. A single word walks them a few lookups at a time. Several words are one tsquery, an OR of each word's
 * completions, which GIN answers from the rarest word's rows ("dorothy wal": the Dorothys, skipping through the
 * wal… words' lists), but in full when every word is common ("mar smi": 100 + 100 completions, 74 ms; 20 of them
 * for "mar", 19 ms). Hence more completions for the word being typed, the last, from three letters on ("wal" →
 * walker, among ~100 words in a large vocabulary), than for the others.
 */
const PREFIX_WORDS = { typing: 100, other: 20 };
/** Above every code point: `word < prefix || TOP` bounds a prefix range on the C-collated vocabulary index. */
const TOP = "\u{10FFFF}";

const likeOf = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
/** A lexeme in tsquery syntax: quoted, so no word is read as an operator. */
const lexeme = (w: string) => `'${w.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
const anyOf = (alternatives: string[]) => (alternatives.length === 1 ? (alternatives[0] as string) : `(${alternatives.join(" | ")})`);

type Row = { object: "company" | "contact"; id: string; title: string; subtitle: string | null; score: number };
interface Source {
  object: "contact" | "company";
  table: SQL;
  columns: SQL;
}
const contacts: Source = {
  object: "contact",
  table: sql.raw("contacts"),
  columns: sql`'contact' as object, id, coalesce(nullif(trim(first_name || ' ' || last_name), ''), primary_email, '(no name)') as title,
    concat_ws(' · ', nullif(job_title, ''), primary_email, primary_phone) as subtitle`,
};
const companies: Source = {
  object: "company",
  table: sql.raw("companies"),
  columns: sql`'company' as object, id, name as title, concat_ws(' · ', domain, industry) as subtitle`,
};

/**
 * Companies and contacts at once, ranked by trigram word similarity (a substring of the record counts 1), so
 * "Kowalcyk" finds "Kowalczyk". Candidates come from up to three lookups per table: records with every query word
 * or a word it starts; only if those leave the page short, records with every word or a correction of it, and a
 * substring match on the trigram index. Exact matches have their own lookup, so the corrections of a common name
 * never crowd them out. When all of that finds nothing, the former trigram match over all of search_text.
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
  // One transaction, for one setting: no JIT. Each way below is planned for all its rows (see search), so the
  // statement's estimated cost passes jit_above_cost although it reads a few rows, and PostgreSQL then spent ~50 ms
  // compiling it ("mart": 57 ms of JIT, 1.5 ms of execution). PGlite has no JIT; the setting costs it one statement.
  const rows = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('jit', 'off', true)`);
    return search({ ...ctx, db: tx }, term, likes, limit, likes.length > 1);
  });
  const people = rows.map((r) => ({
    object: r.object,
    id: r.id,
    title: r.title,
    subtitle: r.subtitle || null,
    score: Math.round(Number(r.score) * 1000) / 1000,
  }));
  // Tickets by number or words, after the people: a few, so a customer's name still lists the customer first.
  const found = await searchTickets(ctx, q, Math.min(5, limit));
  const ticketHits: SearchHit[] = found.map((t, i) => ({
    object: "ticket",
    id: t.id,
    title: `#${t.number} ${t.subject}`,
    subtitle: [t.statusLabel, t.contactName].filter(Boolean).join(" · ") || null,
    score: /^#?\d+$/.test(q.trim()) ? 1 : Math.round((0.5 - i * 0.01) * 1000) / 1000,
  }));
  if (ticketHits.length === 0) return people;
  return [...people.slice(0, Math.max(limit - ticketHits.length, Math.ceil(limit / 2))), ...ticketHits].slice(0, limit);
}

/**
 * Runs in globalSearch's transaction (its settings are local to it). `phone`: the input is a phone number, found by
 * its digits only (its groups as word prefixes cost 46 ms for nothing).
 */
async function search(ctx: Ctx, term: string, likes: string[], limit: number, phone: boolean): Promise<Row[]> {
  const short = isShort(term);
  const found = phone ? [] : await spellings(ctx, term, !short);
  // A substring: inside a word ("ović", "owalczyk"), or of an email, domain or phone (one lexeme each). It needs four
  // letters or digits in a row, two trigrams at least: fewer select much of the table ("o m" read 520k rows), and
  // even two cost 10–55 ms on common endings ("ette", "ovic"), hence only when the words leave the page short.
  // Several plain words need none: their words find them.
  const selective = likes.filter((l) => /[\p{L}\p{N}]{4}/u.test(l));
  const substring =
    selective.length && (found.length <= 1 || /[^\p{L}\s]/u.test(term))
      ? sql`(${sql.join(
          selective.map((l) => sql`search_text ilike ${l}`),
          sql` or `,
        )})`
      : undefined;
  const contains = sql.join(
    likes.map((l) => sql`search_text ilike ${l}`),
    sql` or `,
  );
  const score = sql`greatest(word_similarity(${term}, search_text), case when ${contains} then 1 else 0 end)::float8`;
  /** A source's rows with their score and `n`, the rank of the completion that found them (0 for other ways). */
  const from = (s: Source, n: SQL = sql`0`) => {
    // The actor's visibility, as on the object's list: the same predicate, so search finds nothing a list hides.
    const visible = visibleWhere(ctx, s.object, "read", sql.raw("owner_id"), sql.raw("id"));
    return sql`select ${s.columns}, ${score} as score, ${n} as n from ${s.table} where workspace_id = ${ctx.workspaceId} and deleted_at is null${visible ? sql` and ${visible}` : sql``}`;
  };

  // Every way of matching is a materialized CTE read up to a limit: a CTE runs only as far as it is read, and is
  // planned for all its rows. With the limit on the scan itself, the planner expects the first matches of a common
  // word early in a sequential (or primary-key) scan, and read ~15k rows evaluating the tsquery on each: 80–180 ms for
  // "ka" (1 s for "m" with `limit 10`), against ~10 ms through the bitmap index scan it picks for all rows.
  // Each way is one more GIN scan, and each GIN scan also reads the index's pending list (rows inserted since the last
  // vacuum: ~5 ms per scan after 5k inserts), so a way runs only while the page is short, and few ways are planned.
  const ways: { name: string; cte: (s: Source, gate: SQL) => SQL; take: number }[] = [];
  // 1. Every word, or a vocabulary word it starts. Not when a word of letters starts no vocabulary word: then no
  // record has it (the vocabulary holds every such lexeme), it is a typo.
  const unknown = found.some((f) => f.exact[0]?.endsWith(":*") && /^\p{L}+$/u.test(f.word));
  const [only, ...others] = found;
  if (only && !others.length && !only.exact[0]?.endsWith(":*")) {
    // A single word (typeahead, mostly) walks its completions shortest first, in groups of 1, 2, 4, … words, one GIN
    // scan each, until the page is full. All of them score 1 (the term is a substring), so `limit` rows are enough,
    // and a common completion ("martin" among "mart…", 22k rows) is mostly never read.
    const groups: string[] = [];
    for (let i = 0, size = 1; i < only.exact.length; i += size, size *= 2) groups.push(anyOf(only.exact.slice(i, i + size)));
    ways.push({
      name: "words",
      take: limit,
      cte: (s, gate) => sql`select c.* from (values ${sql.join(
        groups.map((q, i) => sql`(${sql.raw(String(i))}, ${q}::text)`),
        sql`, `,
      )}) as x(n, q) cross join lateral (with m as materialized (${from(s, sql`x.n`)} and search_vector @@ x.q::tsquery and ${gate})
          select * from m limit ${limit}) c`,
    });
  } else if (found.length && !unknown) {
    const q = found.map((f) => anyOf(f.exact)).join(" & ");
    ways.push({ name: "words", take: CANDIDATES, cte: (s, gate) => sql`${from(s)} and search_vector @@ ${q}::tsquery and ${gate}` });
  }
  // 2. Every word or a correction of it (correcting a common name is the costliest lookup: all the Smiths).
  if (found.some((f) => f.typos.length)) {
    const q = found.map((f) => anyOf([...f.exact, ...f.typos])).join(" & ");
    ways.push({ name: "typos", take: CANDIDATES, cte: (s, gate) => sql`${from(s)} and search_vector @@ ${q}::tsquery and ${gate}` });
  }
  // 3. The substring.
  if (substring) ways.push({ name: "substring", take: CANDIDATES, cte: (s, gate) => sql`${from(s)} and ${substring} and ${gate}` });
  const pool = (s: Source) => {
    const ctes: SQL[] = [];
    const taken: string[] = [];
    for (const way of ways) {
      const before = taken.map((t) => `select id from ${t}`).join(" union all ");
      const gate = before ? sql`(select count(*) from (${sql.raw(before)}) t) < ${limit} and id not in (${sql.raw(before)})` : sql`true`;
      ctes.push(sql`${sql.raw(`all_${way.name}`)} as materialized (${way.cte(s, gate)})`);
      ctes.push(sql`${sql.raw(`top_${way.name}`)} as materialized (select * from ${sql.raw(`all_${way.name}`)} limit ${way.take})`);
      taken.push(`top_${way.name}`);
    }
    return sql`(select * from (with ${sql.join(ctes, sql`, `)} ${sql.raw(taken.map((t) => `select * from ${t}`).join(" union all "))}) c
      order by score desc, n, id limit ${limit})`;
  };
  const rows = ways.length ? await queryRows<Row>(ctx.db, sql`${pool(contacts)} union all ${pool(companies)} order by score desc, n limit ${limit}`) : [];
  // (Without a letter or digit there is no trigram to look up, and pg_trgm would read the whole index.)
  if (rows.length || short || phone || !/[\p{L}\p{N}]/u.test(term)) return rows;
  // Nothing by words, corrections or substring (a typo in an email or a job title, two in a short name): the former
  // match anywhere in search_text, at most CANDIDATES per table (a typo in an email: 95 ms at 1m). With the 0.4
  // threshold withTypoTolerance gives lists, and without sequential scans: pg_trgm's estimate for `<%` can be high,
  // and a scan looking for 100 matches that are not there reads every row.
  await ctx.db.execute(sql`select set_config('pg_trgm.word_similarity_threshold', '0.4', true), set_config('enable_seqscan', 'off', true)`);
  const fallback = (s: Source) =>
    sql`(select * from (with m as materialized (${from(s)} and ${term} <% search_text) select * from m limit ${CANDIDATES}) c
      order by score desc, id limit ${limit})`;
  return queryRows<Row>(ctx.db, sql`${fallback(contacts)} union all ${fallback(companies)} order by score desc limit ${limit}`);
}

interface Spellings {
  word: string;
  /** The query word as a lexeme, with the vocabulary words it is a prefix of (or `word:*` when there are none). */
  exact: string[];
  /** Vocabulary words within one typo of it, or trigram-similar to it. */
  typos: string[];
}

/**
 * The query's words as the 'simple' parser cuts search_text ("S.A." is one lexeme, "o'brien" two, an email one),
 * each with its spellings in the workspace's vocabulary, in one statement. Words with digits (phones, house numbers)
 * are not in the vocabulary and match lexemes by prefix, as does a word no vocabulary word starts with.
 */
async function spellings(ctx: Ctx, term: string, typos: boolean): Promise<Spellings[]> {
  const typing = term.match(/[\p{L}\p{N}]+$/u)?.[0] ?? "";
  const rows = await queryRows<{ w: string; word: string | null; typo: boolean | null }>(
    ctx.db,
    sql`
    select q.w, v.word, v.typo
      from unnest(tsvector_to_array(to_tsvector('simple', ${term}))) as q(w)
      left join lateral (
        (select distinct word, false as typo, char_length(word) from search_words
          where workspace_id = ${ctx.workspaceId} and q.w !~ '[0-9]' and (char_length(q.w) >= 2 or q.w = ${typing})
            and word >= q.w and word < q.w || ${TOP}
          order by char_length(word), word limit case when q.w = ${typing} and char_length(q.w) >= 3 then ${PREFIX_WORDS.typing}::int else ${PREFIX_WORDS.other}::int end)
        union all
        -- One typo: the words share a deletion, or one is a deletion of the other (the GIN index of migration 0009).
        -- Not for two-letter words. The workspace test is kept off the (workspace_id, word) index, which unanalysed
        -- statistics made the planner prefer: every word of the workspace then had its deletions computed.
        (select word, true, 0 from search_words
          where ${typos} and char_length(q.w) >= 3 and q.w !~ '[0-9]' and (workspace_id = ${ctx.workspaceId}) is true
            and char_length(word) >= 3 and (search_word_deletes(word) || word) && (search_word_deletes(q.w) || q.w))
        union all
        -- Two typos in a long word keep much of its trigrams: "kowalcik" and "kowalczyk" 0.46, "mcdonnald" and
        -- "macdonald" 0.43 (% finds those above 0.3).
        (select word, true, 0 from search_words
          where ${typos} and char_length(q.w) >= 7 and q.w !~ '[0-9]' and (workspace_id = ${ctx.workspaceId}) is true
            and word % q.w and similarity(word, q.w) >= 0.4)
      ) v on true`,
  );
  const byWord = new Map<string, { starts: string[]; typos: string[] }>();
  for (const r of rows) {
    const entry = byWord.get(r.w) ?? { starts: [], typos: [] };
    byWord.set(r.w, entry);
    if (r.word !== null) (r.typo ? entry.typos : entry.starts).push(lexeme(r.word));
  }
  return [...byWord].map(([w, { starts, typos }]) => {
    // Shortest first, as the completions are walked: the word itself, then "marta" before "martina".
    const sorted = [...new Set(starts)].sort((a, b) => Array.from(a).length - Array.from(b).length || (a < b ? -1 : a > b ? 1 : 0));
    // A single letter before the last word is an initial ("J. Smith", "O'Brien" → o, brien): itself, not a prefix.
    const initial = Array.from(w).length < 2 && w !== typing;
    const exact = sorted.length ? [...new Set([lexeme(w), ...sorted])] : [initial ? lexeme(w) : `${lexeme(w)}:*`];
    return { word: w, exact, typos: [...new Set(typos)].filter((x) => !exact.includes(x)) };
  });
}
