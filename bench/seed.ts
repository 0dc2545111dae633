// Deterministic generator of a realistic Rapport workspace.
//
//   npm run seed -- --scale 100k                 # PGlite in RAPPORT_DATA_DIR (default ./data)
//   DATABASE_URL=postgres://… npm run seed -- --scale 1m
//
// The workspace, its admin (password hashed by the app's hashPassword) and custom field definitions are
// made through the app's services; everything else is set-based SQL: INSERT … SELECT FROM generate_series,
// every "random" choice a hash of the row's index (hashint8extended), so the same scale gives the same data
// on PGlite and PostgreSQL. Derived columns (search_text, email_list, primary_email, …) are built exactly
// as the services build them, and a sample is checked against the app's own functions after the load.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { Email } from "../src/contract/auth.js";
import { systemActor } from "../src/core/context.js";
import { normalisePhone } from "../src/core/phones.js";
import { type Database, openDatabase } from "../src/db/client.js";
import { derivedTables } from "../src/db/derived.js";
import { runMigrations } from "../src/db/migrate.js";
import { searchText } from "../src/db/record-filters.js";
import { hashPassword } from "../src/modules/auth/passwords.js";
import { signup } from "../src/modules/auth/service.js";
import { createCustomField } from "../src/modules/custom-fields/service.js";
import { type Raw, rawConnection } from "./lib/db.js";
import {
  ADJECTIVES,
  BODIES,
  CALL_OUTCOMES,
  COMPANY_TAGS,
  CONTACT_TAGS,
  type CountryPool,
  countryPools,
  INDUSTRIES,
  LEAD_SOURCES,
  LOCATIONS,
  loadNames,
  MEETING_OUTCOMES,
  SUBJECTS,
  word,
} from "./lib/pools.js";
import { parseScale, scaleLabel } from "./lib/scale.js";

export const ADMIN_PASSWORD = "rapport-bench-password";
export const USER_PASSWORD = "rapport-bench-user-password";
const START_MS = Date.UTC(2019, 0, 1);
const END_MS = Date.UTC(2025, 8, 30);
const SPAN = END_MS - START_MS;
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
export const defaultNamesDir = resolve(repoRoot, "../shared/datasets/i18n/names");

export const benchWorkspaceName = (scale: number) => `Rapport bench ${scaleLabel(scale)}`;
export const benchAdminEmail = (scale: number) => `admin-${scaleLabel(scale)}@bench.rapport.test`;

/** How many of everything a scale means: ~10 contacts per company, ~5 activities per contact. */
export function plan(scale: number) {
  const contacts = scale;
  const companies = Math.max(10, Math.round(scale / 10));
  const users = scale >= 10_000 ? 50 : Math.min(50, Math.max(3, Math.ceil(scale / 200)));
  const busy = Math.min(5, companies);
  const busyContactsEach = Math.min(1000, Math.max(10, Math.round(scale / 500)));
  const busyDirectEach = Math.min(3000, Math.max(20, Math.round(scale / 100)));
  const deals = scale;
  return { contacts, companies, users, busy, busyContactsEach, busyDirectEach, busyFraction: Math.min(0.3, (busy * busyContactsEach) / scale), deals };
}

export interface SeedOptions {
  scale: number;
  /** postgres://… (server mode); else PGlite in dataDir. */
  databaseUrl?: string;
  dataDir?: string;
  namesDir?: string;
  /** Drop secondary indexes during the load and rebuild them after; default: at 50k contacts and up. */
  rebuildIndexes?: boolean;
  /** Contacts per INSERT statement. */
  chunk?: number;
  quiet?: boolean;
}

export interface SeedResult {
  workspaceId: string;
  workspaceName: string;
  adminUserId: string;
  adminEmail: string;
  adminPassword: string;
  scale: number;
  alreadySeeded: boolean;
  rows?: Record<string, number>;
  seconds?: number;
  rowsPerSecond?: number;
  namesSource?: string;
}

export async function findBenchWorkspace(database: Database, scale: number): Promise<{ workspaceId: string; adminUserId: string } | null> {
  const raw = await rawConnection(database);
  try {
    const rows = await raw.query<{ workspace_id: string; user_id: string }>(
      `select w.id as workspace_id, u.id as user_id from workspaces w join users u on u.workspace_id = w.id and u.email = $2 where w.name = $1 limit 1`,
      [benchWorkspaceName(scale), benchAdminEmail(scale)],
    );
    const r = rows[0];
    return r ? { workspaceId: r.workspace_id, adminUserId: r.user_id } : null;
  } finally {
    raw.release();
  }
}

// ---- SQL building blocks: deterministic pseudo-randomness from an integer expression ----

/** Non-negative 63-bit hash of an integer expression; `salt` makes independent streams. */
const H = (e: string, salt: number) => `(hashint8extended((${e})::int8, ${salt}::int8) & 9223372036854775807)`;
/** Uniform in [0, 1). */
const U = (e: string, salt: number) => `(${H(e, salt)}::float8 / 9223372036854775808.0)`;
/** Uniform integer in [0, m). */
const P = (e: string, salt: number, m: string | number) => `(${H(e, salt)} % (${m}))`;
/** The same as an int, for array subscripts. */
const I = (e: string, salt: number, m: string | number) => `${P(e, salt, m)}::int`;
/** Milliseconds since the epoch → timestamptz, exact to the millisecond (as JavaScript dates are). */
const TS = (ms: string) => `(timestamptz 'epoch' + (${ms}) * interval '1 millisecond')`;
/** As Date.prototype.toISOString() prints it. */
const ISO = (ms: string) => `to_char(${TS(ms)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/**
 * UUIDv7 layout: 48-bit millisecond time, version 7, 12 hashed bits, variant 10, and 62 more bits of which
 * the low 48 are `tag` (a per-table unique number), so ids are unique by construction and sort by time.
 */
const UUID7 = (ms: string, e: string, salt: number, tag: string) =>
  `(lpad(to_hex(${ms}), 12, '0') || '7' || lpad(to_hex(${P(e, salt, 4096)}), 3, '0') || substr('89ab', ${P(e, salt + 1, 4)}::int + 1, 1)` +
  ` || lpad(to_hex(${P(e, salt + 2, 4096)}), 3, '0') || lpad(to_hex(${tag}), 12, '0'))::uuid`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const textArray = (xs: string[]) => `array[${xs.map(lit).join(", ")}]::text[]`;
/** search_text as searchText() builds it: the lower-cased parts, then their accent-free spelling when it differs. */
const SEARCH = (lcParts: string[], plainParts: string[]) =>
  `(select left(case when p = t then t else t || ' ' || p end, 4000) from (select concat_ws(' ', ${lcParts.join(", ")}) as t, concat_ws(' ', ${plainParts.join(", ")}) as p) s)`;

const BULK_TABLES = ["companies", "contacts", "activities", "record_history", "deals", "deal_stage_changes", "tasks"];

export async function seed(options: SeedOptions, existing?: Database): Promise<SeedResult> {
  const log = (s: string) => {
    if (!options.quiet) process.stderr.write(`${s}\n`);
  };
  const database =
    existing ?? (await openDatabase({ url: options.databaseUrl, dataDir: options.databaseUrl ? undefined : resolve(options.dataDir ?? "./data") }));
  try {
    await runMigrations(database);
    const scale = options.scale;
    const found = await findBenchWorkspace(database, scale);
    const adminEmail = benchAdminEmail(scale);
    if (found) {
      log(`A bench workspace for scale ${scaleLabel(scale)} is already there (${found.workspaceId}); nothing to do.`);
      return {
        ...found,
        workspaceName: benchWorkspaceName(scale),
        adminEmail,
        adminPassword: ADMIN_PASSWORD,
        scale,
        alreadySeeded: true,
      };
    }
    return await load(database, options, log);
  } finally {
    if (!existing) await database.close();
  }
}

async function load(database: Database, options: SeedOptions, log: (s: string) => void): Promise<SeedResult> {
  const scale = options.scale;
  const p = plan(scale);
  const names = loadNames(options.namesDir ?? defaultNamesDir);
  const countries = countryPools(names);
  log(`Names: ${names.source} (${countries.length} countries).`);
  const finalName = benchWorkspaceName(scale);
  const adminEmail = benchAdminEmail(scale);
  const t0 = performance.now();

  const raw = timed(await rawConnection(database), options.quiet ? undefined : process.env.SEED_TIMING ? log : undefined);
  try {
    // Leftovers of an interrupted run: only the service-made rows exist (the bulk load is one transaction).
    const stale = await raw.query<{ id: string }>(`select id from workspaces where name = $1`, [`${finalName} (seeding)`]);
    for (const s of stale) await deleteWorkspaceRows(raw, s.id);

    // Through the services: workspace + admin (argon2id via hashPassword), custom field definitions.
    const principal = await signup(database.db, { workspaceName: `${finalName} (seeding)`, name: "Ada Admin", email: adminEmail, password: ADMIN_PASSWORD });
    const ws = principal.workspace.id;
    const admin = principal.user.id;
    const ctx = { db: database.db, workspaceId: ws, actor: { ...systemActor, userId: admin, kind: "user" as const } };
    await createCustomField(ctx, { object: "contact", label: "Tier", key: "tier", type: "select", options: ["gold", "silver", "bronze"] });
    await createCustomField(ctx, { object: "contact", label: "NPS", key: "nps", type: "number" });
    await createCustomField(ctx, { object: "company", label: "Segment", key: "segment", type: "select", options: ["Enterprise", "Mid-market", "SMB"] });
    // The other users share one hash, made once by the app's hashPassword.
    const userHash = await hashPassword(USER_PASSWORD);

    const rebuild = options.rebuildIndexes ?? scale >= 50_000;
    const chunk = options.chunk ?? (database.kind === "postgres" ? 25_000 : 10_000);
    const expected = p.companies * 1.8 + p.busy * p.busyDirectEach + p.contacts * 7.4 + p.deals * 4.4;
    const bar = options.quiet
      ? null
      : new SingleBar({
          format: "{stage} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s | {duration_formatted}",
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 10_000,
          hideCursor: true,
        });
    let inserted = 0;
    const tLoad = performance.now();
    const tick = (n: number, stage: string) => {
      inserted += n;
      bar?.update(inserted, { stage, speed: Math.round(inserted / ((performance.now() - tLoad) / 1000)) });
    };
    bar?.start(Math.round(expected), 0, { stage: "pools", speed: 0 });

    if (database.kind === "postgres") {
      await raw.query("set synchronous_commit = off");
      await raw.query("set maintenance_work_mem = '1GB'");
      await raw.query("set work_mem = '64MB'");
    }
    await raw.query("begin");
    try {
      await loadPools(raw, countries, p, ws, admin);
      let indexDefs: { name: string; def: string }[] = [];
      if (rebuild) {
        indexDefs = await raw.query<{ name: string; def: string }>(
          `select indexname as name, indexdef as def from pg_indexes
            where schemaname = current_schema() and tablename = any($1::text[])
              and indexname not in (select conname from pg_constraint)`,
          [BULK_TABLES],
        );
        for (const ix of indexDefs) await raw.query(`drop index "${ix.name}"`);
      }
      // Users, teams.
      // One identity (the password) per person, then their membership here; a re-run reuses the identities.
      await raw.query(
        `insert into identities (id, email, password_hash)
         select gen_random_uuid(), lower(email), $1 from _s_user where ui > 0
         on conflict (email) do update set password_hash = excluded.password_hash`,
        [userHash],
      );
      const users = await raw.query<{ n: number }>(
        `with i as (insert into users (workspace_id, id, identity_id, email, name, role, active, created_at, updated_at)
           select '${ws}'::uuid, u.id, idt.id, u.email, u.name, u.role, true, ${TS(`${START_MS} - 86400000::int8 * (60 - ui)`)}, ${TS(`${START_MS} - 86400000::int8 * (60 - ui)`)}
             from _s_user u join identities idt on idt.email = lower(u.email) where ui > 0 returning 1)
         select count(*)::int as n from i`,
      );
      await raw.query(
        `insert into teams (workspace_id, id, name, created_at)
         select '${ws}'::uuid, ${UUID7(`${START_MS} - 86400000::int8 * 90`, "t", 300, "t")}, name, ${TS(`${START_MS} - 86400000::int8 * 90`)}
           from unnest(array['Sales EMEA', 'Sales Americas', 'Sales APAC', 'Customer Success']) with ordinality as x(name, t)`,
      );
      await raw.query(
        `insert into team_members (workspace_id, team_id, user_id)
         select '${ws}'::uuid, t.id, u.id from _s_user u
           join (select id, row_number() over (order by name) - 1 as n from teams where workspace_id = '${ws}') t on t.n = u.ui % 4
          where u.ui > 0`,
      );
      tick((users[0]?.n ?? 0) + 4, "users");

      // Companies (staged in a temp table: contacts join it for ids, domains and countries).
      await raw.query(companiesSql(p, ws));
      await raw.query(`update _co set parent_id = par.id from _co par where par.idx = _co.parent_idx`);
      await raw.query(`create index on _co (idx)`);
      await raw.query(`analyze _co`);
      const nCo = await raw.query<{ n: number }>(
        `with i as (insert into companies (workspace_id, id, name, domain, industry, employees, annual_revenue, currency, phone, address, parent_id,
                          owner_id, tags, description, custom, search_text, created_at, updated_at, deleted_at)
           select '${ws}'::uuid, id, name, domain, industry, employees, annual_revenue, currency, phone, address, parent_id,
                  owner_id, tags, description, custom, search_text, ${TS("cms")}, ${TS("coalesce(del_ms, upd_ms, cms)")}, ${TS("del_ms")}
             from _co order by idx returning 1)
         select count(*)::int as n from i`,
      );
      tick(nCo[0]?.n ?? 0, "companies");
      const nCoHist = await raw.query<{ n: number }>(companyHistorySql(ws, admin));
      tick(nCoHist[0]?.n ?? 0, "company history");
      const nCoAct = await raw.query<{ n: number }>(companyActivitiesSql(p, ws));
      tick(nCoAct[0]?.n ?? 0, "company activities");

      // Contacts with their activities and history, one statement per chunk.
      for (let a = 0; a < p.contacts; a += chunk) {
        const b = Math.min(p.contacts, a + chunk);
        const r = await raw.query<{ c: number; a: number; h: number }>(contactsSql(p, ws, admin, a, b));
        const row = r[0] ?? { c: 0, a: 0, h: 0 };
        tick(row.c + row.a + row.h, `contacts ${scaleLabel(b)}/${scaleLabel(p.contacts)}`);
      }
      // Pipelines, deals with their stage history, and tasks on deals. The trigger that links each stage change to
      // the next looks up every new change's neighbours by index, and the indexes are dropped during the load: the
      // changes are linked set-based after the last chunk instead (the same statement as migration 0004's backfill).
      tick(await loadPipelines(raw, ws), "pipelines");
      await raw.query("alter table deal_stage_changes disable trigger deal_stage_changes_link");
      for (let a = 0; a < p.deals; a += chunk) {
        const b = Math.min(p.deals, a + chunk);
        const r = await raw.query<{ d: number; c: number; t: number }>(dealsSql(p, ws, admin, a, b));
        const row = r[0] ?? { d: 0, c: 0, t: 0 };
        tick(row.d + row.c + row.t, `deals ${scaleLabel(b)}/${scaleLabel(p.deals)}`);
      }
      bar?.update(inserted, { stage: "stage changes: next change" });
      await raw.query(
        `update deal_stage_changes c set left_at = n.next_at, next_stage_id = n.next_stage
           from (select id, lead(at) over w as next_at, lead(to_stage_id) over w as next_stage
                   from deal_stage_changes where workspace_id = $1
                 window w as (partition by deal_id order by at, id)) n
          where c.workspace_id = $1 and c.id = n.id and n.next_at is not null`,
        [ws],
      );
      await raw.query("alter table deal_stage_changes enable trigger deal_stage_changes_link");
      await raw.query(`update workspaces set name = $1 where id = $2`, [finalName, ws]);
      if (rebuild) {
        let k = 0;
        for (const ix of indexDefs) {
          k++;
          bar?.update(inserted, { stage: `index ${k}/${indexDefs.length} ${ix.name}` });
          await raw.query(ix.def);
        }
      }
      bar?.update(inserted, { stage: "commit" });
      await raw.query("commit");
    } catch (e) {
      await raw.query("rollback").catch(() => {});
      bar?.stop();
      await deleteWorkspaceRows(raw, ws).catch(() => {});
      throw e;
    }
    for (const t of [
      "_s_country",
      "_s_bucket",
      "_s_first",
      "_s_last",
      "_s_noun",
      "_s_legal",
      "_s_adj",
      "_s_job",
      "_s_user",
      "_s_subj",
      "_co",
      "_s_pipe",
      "_s_stage",
    ]) {
      await raw.query(`drop table if exists ${t}`);
    }
    bar?.update(inserted, { stage: "vacuum analyze" });
    // The trigger-kept tables too: PGlite has no autovacuum, and without statistics the planner misjudges the search
    // vocabulary (typo searches took 0.4–3 s at 100k instead of 30–90 ms).
    await raw.query(`vacuum (analyze) ${[...BULK_TABLES, "users", "teams", "team_members", "search_words", ...derivedTables].join(", ")}`);
    bar?.setTotal(inserted);
    bar?.update(inserted, { stage: "done" });
    bar?.stop();
    const seconds = (performance.now() - t0) / 1000;
    const rows = await countRows(raw, ws);
    const total = Object.values(rows).reduce((s, n) => s + n, 0);
    await verifySample(raw, ws, scale);
    const result: SeedResult = {
      workspaceId: ws,
      workspaceName: finalName,
      adminUserId: admin,
      adminEmail,
      adminPassword: ADMIN_PASSWORD,
      scale,
      alreadySeeded: false,
      rows,
      seconds,
      rowsPerSecond: total / seconds,
      namesSource: names.source,
    };
    return result;
  } finally {
    raw.release();
  }
}

/** With SEED_TIMING=1, each statement's duration goes to stderr. */
function timed(raw: Raw, log?: (s: string) => void): Raw {
  if (!log) return raw;
  return {
    release: raw.release,
    async query<T>(text: string, params?: unknown[]) {
      if (process.env.SEED_EXPLAIN && /^\s*with /.test(text)) {
        await raw.query("savepoint explain");
        const plan = await raw.query<Record<string, string>>(`explain (analyze, buffers) ${text}`, params);
        await raw.query("rollback to savepoint explain");
        log(plan.map((r) => Object.values(r)[0]).join("\n"));
      }
      const t = performance.now();
      const rows = await raw.query<T>(text, params);
      log(`\n${((performance.now() - t) / 1000).toFixed(2)} s  ${text.replace(/\s+/g, " ").slice(0, 90)}`);
      return rows;
    },
  };
}

async function deleteWorkspaceRows(raw: Raw, ws: string): Promise<void> {
  const tables = await raw.query<{ table_name: string }>(
    `select table_name from information_schema.columns where table_schema = current_schema() and column_name = 'workspace_id' and table_name <> 'workspaces'`,
  );
  for (const t of tables) await raw.query(`delete from "${t.table_name}" where workspace_id = $1`, [ws]);
  await raw.query(`delete from workspaces where id = $1`, [ws]);
}

async function countRows(raw: Raw, ws: string): Promise<Record<string, number>> {
  // Exact counts of this workspace's rows, once, at the end of a seed (the bench itself reads reltuples).
  const out: Record<string, number> = {};
  for (const t of ["users", "companies", "contacts", "activities", "record_history", "deals", "deal_stage_changes", "tasks", "quotas"]) {
    const r = await raw.query<{ n: number }>(`select count(*)::int as n from ${t} where workspace_id = $1`, [ws]);
    out[t] = r[0]?.n ?? 0;
  }
  return out;
}

// ---- pools ----

async function loadPools(raw: Raw, countries: CountryPool[], p: ReturnType<typeof plan>, ws: string, admin: string) {
  const json = (rows: unknown[]) => JSON.stringify(rows);
  await raw.query(
    `create temp table _s_country as select * from jsonb_to_recordset($1::jsonb) as x(ci int, code text, n_first int, n_last int, n_noun int, n_legal int, n_job int,
       tld text, currency text, freemail text[], cities text[], ph_prefix text, ph_digits int, ph_mod int8)`,
    [
      json(
        countries.map((c, ci) => ({
          ci,
          code: c.code,
          n_first: c.first.length,
          n_last: c.last.length,
          n_noun: c.nouns.length,
          n_legal: c.legal.length,
          n_job: c.jobs.length,
          tld: c.tld,
          currency: c.currency,
          freemail: c.freemail,
          cities: c.cities,
          ph_prefix: c.phonePrefix,
          ph_digits: c.phoneDigits,
          ph_mod: 10 ** c.phoneDigits,
        })),
      ),
    ],
  );
  // 10,000 buckets, each a country, in proportion to the weights.
  const totalWeight = countries.reduce((s, c) => s + c.weight, 0);
  const buckets: number[] = [];
  let acc = 0;
  countries.forEach((c, ci) => {
    acc += c.weight;
    const upTo = Math.round((acc / totalWeight) * 10_000);
    while (buckets.length < upTo) buckets.push(ci);
  });
  while (buckets.length < 10_000) buckets.push(countries.length - 1);
  await raw.query(`create temp table _s_bucket as select (b - 1)::int as b, ci from unnest($1::int[]) with ordinality as x(ci, b)`, [buckets]);
  const words = (name: string, rows: { ci?: number; k: number; text: string; lc: string; plain: string; slug: string }[]) =>
    raw.query(`create temp table ${name} as select * from jsonb_to_recordset($1::jsonb) as x(ci int, k int, text text, lc text, plain text, slug text)`, [
      json(rows),
    ]);
  const perCountry = (pick: (c: CountryPool) => { text: string; lc: string; plain: string; slug: string }[]) =>
    countries.flatMap((c, ci) => pick(c).map((w, k) => ({ ci, k, ...w })));
  await words(
    "_s_first",
    perCountry((c) => c.first),
  );
  await words(
    "_s_last",
    perCountry((c) => c.last),
  );
  await words(
    "_s_noun",
    perCountry((c) => c.nouns),
  );
  await words(
    "_s_legal",
    perCountry((c) => c.legal),
  );
  await words(
    "_s_adj",
    ADJECTIVES.map((w, k) => ({ k, ...w })),
  );
  await words(
    "_s_job",
    perCountry((c) => c.jobs),
  );
  for (const t of ["_s_first", "_s_last", "_s_noun", "_s_legal", "_s_job"]) await raw.query(`create index on ${t} (ci, k)`);

  // Users: ui 0 is the admin made by signup; the others get deterministic names and ids.
  const rng = mulberry32(p.users * 7919);
  const usPool = countries.filter((c) => ["US", "GB", "DE", "FR", "ES", "PL", "IN", "JP", "BR"].includes(c.code));
  const pools = usPool.length ? usPool : countries;
  const seen = new Set<string>();
  const userRows = [{ ui: 0, email: "", name: "Ada Admin", role: "admin" }];
  for (let ui = 1; ui < p.users; ui++) {
    const c = pools[Math.floor(rng() * pools.length)] as CountryPool;
    const f = c.first[Math.floor(rng() * c.first.length)] ?? word("Alex");
    const l = c.last[Math.floor(rng() * c.last.length)] ?? word("Doe");
    let local = `${f.slug}.${l.slug}`;
    if (seen.has(local)) local = `${local}${ui}`;
    seen.add(local);
    const role =
      ui === p.users - 1 && p.users > 3 ? "read_only" : ui % 10 === 1 ? "manager" : ui % 10 === 7 ? "support" : ui % 10 === 8 ? "marketing" : "sales";
    userRows.push({ ui, email: `${local}@bench.rapport.test`, name: `${f.text} ${l.text}`, role });
  }
  await raw.query(
    `create temp table _s_user as
     select ui, case when ui = 0 then $2::uuid else ${UUID7(`${START_MS} - 86400000::int8 * (60 - ui)`, "ui", 310, "ui")} end as id,
            case when ui = 0 then (select email from users where workspace_id = '${ws}' and id = $2::uuid) else email end as email, name, role
       from jsonb_to_recordset($1::jsonb) as x(ui int, email text, name text, role text)`,
    [json(userRows), admin],
  );
  const subj = Object.entries(SUBJECTS).flatMap(([type, list]) => list.map((subject, k) => ({ type, k, subject })));
  await raw.query(`create temp table _s_subj as select * from jsonb_to_recordset($1::jsonb) as x(type text, k int, subject text)`, [json(subj)]);
  await raw.query("analyze _s_country, _s_bucket, _s_first, _s_last, _s_noun, _s_legal, _s_adj, _s_job, _s_user, _s_subj");
}

/** Small deterministic PRNG for the few choices made in JavaScript (user names). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- companies ----

function companiesSql(p: ReturnType<typeof plan>, ws: string): string {
  void ws;
  const nc = p.companies;
  const ownerSkew = (e: string, s: number) => `(1 + floor(${p.users - 1}::float8 * power(${U(e, s)}, 2))::int)`;
  return `
  create temp table _co as
  with g as (
    select c, (${START_MS}::int8 + floor(${SPAN}::float8 * sqrt((c + ${U("c", 101)}) / ${nc}::float8))::int8) as cms, b.ci
      from generate_series(0, ${nc - 1}) c
      join _s_bucket b on b.b = ${P("c", 102, 10_000)}
  ), n as (
    select g.*, k.code, k.tld, k.currency, k.cities, k.ph_prefix, k.ph_digits, k.ph_mod,
           l1.text as l1t, l1.lc as l1lc, l1.plain as l1p, l1.slug as l1s,
           l2.text as l2t, l2.lc as l2lc, l2.plain as l2p, l2.slug as l2s,
           nn.text as nt, nn.lc as nlc, nn.plain as np, nn.slug as ns,
           a.text as adt, a.lc as adlc, a.plain as adp, a.slug as ads,
           lg.text as lgt, lg.lc as lglc, lg.plain as lgp,
           ${U("c", 106)} as pat,
           case when ${U("c", 109)} < 0.4 then 'com' else k.tld end as tld2
      from g
      join _s_country k on k.ci = g.ci
      join _s_last l1 on l1.ci = g.ci and l1.k = ${P("c", 103, "k.n_last")}
      join _s_last l2 on l2.ci = g.ci and l2.k = ${P("c", 104, "k.n_last")}
      join _s_noun nn on nn.ci = g.ci and nn.k = ${P("c", 105, "k.n_noun")}
      join _s_adj a on a.k = ${P("c", 107, ADJECTIVES.length)}
      join _s_legal lg on lg.ci = g.ci and lg.k = ${P("c", 108, "k.n_legal")}
  ), named as (
    select n.*,
      case when pat < 0.45 then l1t || ' ' || nt when pat < 0.62 then l1t || ' & ' || l2t when pat < 0.82 then adt || ' ' || nt else l1t || ' ' || nt || ' ' || lgt end as name,
      case when pat < 0.45 then l1lc || ' ' || nlc when pat < 0.62 then l1lc || ' & ' || l2lc when pat < 0.82 then adlc || ' ' || nlc else l1lc || ' ' || nlc || ' ' || lglc end as name_lc,
      case when pat < 0.45 then l1p || ' ' || np when pat < 0.62 then l1p || ' & ' || l2p when pat < 0.82 then adp || ' ' || np else l1p || ' ' || np || ' ' || lgp end as name_plain,
      coalesce(nullif(array_to_string(array_remove(
        case when pat < 0.62 and pat >= 0.45 then array[nullif(l1s, ''), nullif(l2s, '')]
             when pat >= 0.62 and pat < 0.82 then array[nullif(ads, ''), nullif(ns, '')]
             else array[nullif(l1s, ''), nullif(ns, '')] end, null), '-'), ''), 'company') as dom_base
      from n
  ), dd as (
    select named.*, row_number() over (partition by dom_base, tld2 order by c) as rn from named
  ), f as (
    select dd.*,
      dom_base || case when rn > 1 then rn::text else '' end || '.' || tld2 as domain,
      case when ${U("c", 111)} < 0.9 then (${textArray(INDUSTRIES)})[1 + ${I("c", 112, INDUSTRIES.length)}] end as industry,
      case when ${U("c", 113)} < 0.85 then greatest(1, floor(exp(${U("c", 114)} * ln(50000))))::int end as employees,
      case when ${U("c", 117)} < 0.7 then '+' || ph_prefix || lpad(${P("c", 118, "ph_mod")}::text, ph_digits, '0') end as phone,
      case when ${U("c", 119)} < 0.85 then jsonb_build_object('country', code)
        || case when cardinality(cities) > 0 and ${U("c", 120)} < 0.7 then jsonb_build_object('city', cities[1 + ${I("c", 121, "cardinality(cities)")}]) else '{}'::jsonb end end as address,
      case when c >= 100 and ${U("c", 122)} < 0.03 then ${P("c", 123, "c")} end as parent_idx,
      case when ${U("c", 124)} < 0.03 then null else ${ownerSkew("c", 125)} end as owner_ui,
      case when ${U("c", 126)} < 0.3 then array[(${textArray(COMPANY_TAGS)})[1 + ${I("c", 127, COMPANY_TAGS.length)}]] else '{}'::text[] end as tags,
      case when ${U("c", 128)} < 0.5 then jsonb_build_object('segment', (array['Enterprise', 'Mid-market', 'SMB'])[1 + ${I("c", 129, 3)}]) else '{}'::jsonb end as custom,
      ${U("c", 130)} < 0.15 as owner_changed,
      ${U("c", 133)} < 0.005 as deleted
    from dd
  ), t as (
    select f.*,
      case when employees is not null and ${U("c", 115)} < 0.8 then (employees::int8 * (50 + ${P("c", 116, 200)}) * 1000)::numeric end as annual_revenue,
      case when owner_changed and owner_ui is not null then cms + floor(${U("c", 131)} * (${END_MS} - cms))::int8 end as upd_ms,
      case when owner_changed and owner_ui is not null then 1 + ${P("c", 132, p.users - 1)}::int end as prev_owner_ui,
      case when industry is not null and ${U("c", 134)} < 0.25 then industry || ' company, customer since ' || extract(year from ${TS("cms")})::int end as description
    from f
  )
  select t.c as idx, ${UUID7("t.cms", "t.c", 140, "t.c")} as id, t.cms, t.ci, t.code, t.currency, t.name, t.name_lc, t.name_plain, t.domain, t.industry,
         t.employees, t.annual_revenue, t.phone, t.address, t.parent_idx, null::uuid as parent_id, t.owner_ui, u.id as owner_id, t.tags,
         t.description, t.custom, t.upd_ms, t.prev_owner_ui, pu.id as prev_owner_id,
         case when t.deleted then coalesce(t.upd_ms, t.cms) + floor(${U("t.c", 135)} * (${END_MS} - coalesce(t.upd_ms, t.cms)))::int8 end as del_ms,
         ${SEARCH(["t.name_lc", "t.domain", "t.phone"], ["t.name_plain", "t.domain", "t.phone"])} as search_text
    from t
    left join _s_user u on u.ui = t.owner_ui
    left join _s_user pu on pu.ui = t.prev_owner_ui`;
}

/** diff(null, company, HISTORY_FIELDS) of the company as created, then owner changes and deletions. */
function companyHistorySql(ws: string, admin: string): string {
  const change = (field: string, to: string, when = "true") => `case when ${when} then jsonb_build_object('field', '${field}', 'from', null, 'to', ${to}) end`;
  const created = `to_jsonb(array_remove(array[
      ${change("name", "to_jsonb(name)")},
      ${change("domain", "to_jsonb(domain)", "domain is not null")},
      ${change("industry", "to_jsonb(industry)", "industry is not null")},
      ${change("employees", "to_jsonb(employees)", "employees is not null")},
      ${change("annualRevenue", "to_jsonb(annual_revenue::text)", "annual_revenue is not null")},
      ${change("currency", "to_jsonb(currency)")},
      ${change("phone", "to_jsonb(phone)", "phone is not null")},
      ${change("address", "address", "address is not null")},
      ${change("parentId", "to_jsonb(parent_id)", "parent_id is not null")},
      ${change("ownerId", "to_jsonb(coalesce(prev_owner_id, owner_id))", "owner_id is not null")},
      ${change("tags", "to_jsonb(tags)", "cardinality(tags) > 0")},
      ${change("description", "to_jsonb(description)", "description is not null")},
      ${change("custom.segment", "custom -> 'segment'", "custom ? 'segment'")}
    ]::jsonb[], null))`;
  const actor = (salt: number) => `case when ${U("idx", salt)} < 0.5 and owner_id is not null then owner_id else '${admin}'::uuid end`;
  const tag = (r: number) => `(70368744177664 + idx::int8 * 4 + ${r})`;
  return `
  with i as (
    insert into record_history (workspace_id, id, object, record_id, action, actor_id, actor_kind, changes, created_at)
    select '${ws}'::uuid, ${UUID7("cms", "idx", 150, tag(0))}, 'company', id, 'create', ${actor(153)}, 'user', ${created}, ${TS("cms")} from _co
    union all
    select '${ws}'::uuid, ${UUID7("upd_ms", "idx", 154, tag(1))}, 'company', id, 'update', ${actor(157)}, 'user',
           jsonb_build_array(jsonb_build_object('field', 'ownerId', 'from', prev_owner_id, 'to', owner_id)), ${TS("upd_ms")}
      from _co where upd_ms is not null
    union all
    select '${ws}'::uuid, ${UUID7("del_ms", "idx", 158, tag(2))}, 'company', id, 'delete', ${actor(161)}, 'user',
           jsonb_build_array(jsonb_build_object('field', 'deletedAt', 'from', null, 'to', ${ISO("del_ms")})), ${TS("del_ms")}
      from _co where del_ms is not null
    returning 1)
  select count(*)::int as n from i`;
}

// ---- activities ----

/** The details a client would send for each type (CreateActivityBody minus type/subject/body/occurredAt). */
function activityColumns(e: string, ownerEmail: string, contactEmail: string) {
  const type = `case when ${U(e, 72)} < 0.30 then 'note' when ${U(e, 72)} < 0.65 then 'email' when ${U(e, 72)} < 0.90 then 'call' else 'meeting' end`;
  const outbound = `(${U(e, 75)} < 0.6)`;
  const direction = `case when ${outbound} then 'outbound' else 'inbound' end`;
  const one = (x: string) => `case when ${x} is null then '[]'::jsonb else jsonb_build_array(${x}) end`;
  const details = (t: string, occ: string) => `case ${t}
      when 'call' then jsonb_build_object('direction', ${direction}, 'durationSeconds', 20 + ${P(e, 76, 1800)}, 'outcome', (${textArray(CALL_OUTCOMES)})[1 + ${I(e, 77, CALL_OUTCOMES.length)}])
      when 'email' then jsonb_strip_nulls(jsonb_build_object('direction', ${direction},
             'from', case when ${outbound} then ${ownerEmail} else ${contactEmail} end,
             'to', ${one(`case when ${outbound} then ${contactEmail} else ${ownerEmail} end`)}))
      when 'meeting' then jsonb_build_object('endsAt', ${ISO(`${occ} + 1800000::int8 * (1 + ${P(e, 78, 4)})`)}, 'location', (${textArray(LOCATIONS)})[1 + ${I(e, 79, LOCATIONS.length)}])
        || case when ${U(e, 80)} < 0.5 then jsonb_build_object('outcome', (${textArray(MEETING_OUTCOMES)})[1 + ${I(e, 81, MEETING_OUTCOMES.length)}]) else '{}'::jsonb end
      else '{}'::jsonb end`;
  const body = (t: string) => `case when ${t} = 'note' or (${t} = 'email' and ${U(e, 82)} < 0.5) or (${t} = 'call' and ${U(e, 82)} < 0.3)
      then (${textArray(BODIES)})[1 + ${I(e, 83, BODIES.length)}] end`;
  return { type, details, body };
}

function companyActivitiesSql(p: ReturnType<typeof plan>, ws: string): string {
  const e = "q.e";
  const cols = activityColumns(e, "ou.email", "null::text");
  return `
  with i as (
    insert into activities (workspace_id, id, type, subject, body, occurred_at, details, contact_id, company_id, author_id, created_at)
    select '${ws}'::uuid, ${UUID7("r.cr_ms", e, 84, `70368744177664 + ${e}`)}, r.t, s.subject, ${cols.body("r.t")}, ${TS("r.occ_ms")}, ${cols.details("r.t", "r.occ_ms")},
           null, co.id, coalesce(au.id, ou.id), ${TS("r.cr_ms")}
      from _co co
      cross join lateral generate_series(1, case when co.idx < ${p.busy} then ${p.busyDirectEach}
                                                 else least(20, floor(-ln(1 - ${U("co.idx", 141)}) * 1.0))::int end) j
      cross join lateral (select co.idx::int8 * 4096 + j as e) q
      cross join lateral (select co.cms + floor(${U(e, 71)} * (${END_MS} - co.cms))::int8 as occ_ms, ${cols.type} as t) r0
      cross join lateral (select r0.occ_ms, r0.t, r0.occ_ms + ${P(e, 85, 3_600_000)} as cr_ms) r
      join _s_subj s on s.type = r.t and s.k = ${P(e, 74, 12)}
      left join _s_user ou on ou.ui = co.owner_ui
      left join _s_user au on au.ui = case when ${U(e, 86)} < 0.8 then co.owner_ui else 1 + ${P(e, 87, p.users - 1)}::int end
    returning 1)
  select count(*)::int as n from i`;
}

// ---- contacts (+ their activities and history), rows [a, b) ----

function contactsSql(p: ReturnType<typeof plan>, ws: string, admin: string, a: number, b: number): string {
  const n = p.contacts;
  const nc = p.companies;
  const stage = (u: string) =>
    `case when ${u} < 0.10 then 'subscriber' when ${u} < 0.50 then 'lead' when ${u} < 0.62 then 'marketing_qualified' when ${u} < 0.70 then 'sales_qualified'
          when ${u} < 0.76 then 'opportunity' when ${u} < 0.96 then 'customer' when ${u} < 0.98 then 'evangelist' else 'other' end`;
  const phone = (salt: number, q: string) => `'+' || ${q}ph_prefix || lpad(${P("i", salt, `${q}ph_mod`)}::text, ${q}ph_digits, '0')`;
  const change = (field: string, to: string, when = "true") => `case when ${when} then jsonb_build_object('field', '${field}', 'from', null, 'to', ${to}) end`;
  const created = `to_jsonb(array_remove(array[
      ${change("firstName", "to_jsonb(first_name)", "first_name <> ''")},
      ${change("lastName", "to_jsonb(last_name)", "last_name <> ''")},
      ${change("emails", "emails", "jsonb_array_length(emails) > 0")},
      ${change("phones", "phones", "jsonb_array_length(phones) > 0")},
      ${change("jobTitle", "to_jsonb(job_title)", "job_title is not null")},
      ${change("companyId", "to_jsonb(company_id)", "company_id is not null")},
      ${change("ownerId", "to_jsonb(owner_id)", "owner_id is not null")},
      ${change("lifecycleStage", "to_jsonb(case when upd_ms is not null then 'lead' else lifecycle_stage end)")},
      ${change("leadSource", "to_jsonb(lead_source)", "lead_source is not null")},
      ${change("tags", "to_jsonb(tags)", "cardinality(tags) > 0")},
      ${change("address", "address", "address is not null")},
      ${change("socialProfiles", "social_profiles", "social_profiles <> '{}'::jsonb")},
      ${change("doNotContact", "to_jsonb(do_not_contact)")},
      ${change("emailConsent", "to_jsonb(email_consent)")},
      ${change("custom.tier", "custom -> 'tier'", "custom ? 'tier'")},
      ${change("custom.nps", "custom -> 'nps'", "custom ? 'nps'")}
    ]::jsonb[], null))`;
  const actor = (salt: number) => `case when ${U("i", salt)} < 0.5 and owner_id is not null then owner_id else '${admin}'::uuid end`;
  const e = "q.e";
  const act = activityColumns(e, "x.owner_email", "x.primary_email");
  return `
  with g0 as (
    select i, (${START_MS}::int8 + floor(${SPAN}::float8 * sqrt((i + ${U("i", 1)}) / ${n}::float8))::int8) as cms,
      case when ${U("i", 20)} < 0.85 then
        case when ${U("i", 21)} < ${p.busyFraction} then ${P("i", 22, p.busy)}::int
             else least(${nc - 1}, floor(power(${U("i", 23)}, 1.5) * greatest(1, floor((i + 1)::float8 * ${nc} / ${n}::float8))))::int end
      end as co_idx
    from generate_series(${a}, ${b - 1}) i
  ), g1 as (
    select g0.*, co.id as company_id, co.domain as co_domain, co.owner_ui as co_owner_ui,
      case when co.idx is not null and ${U("i", 24)} < 0.8 then co.ci else bk.ci end as ci
      from g0
      left join _co co on co.idx = g0.co_idx
      join _s_bucket bk on bk.b = ${P("i", 25, 10_000)}
  ), g2 as (
    select g1.*, k.code, k.freemail, k.cities, k.ph_prefix, k.ph_digits, k.ph_mod,
      f.text as ft, f.lc as flc, f.plain as fp, f.slug as fs, l.text as lt, l.lc as llc, l.plain as lp, l.slug as ls,
      j.text as jt, j.lc as jlc, j.plain as jp,
      ${stage(U("i", 40))} as lifecycle_stage,
      ${U("i", 30)} >= 0.04 as has_email,
      (g1.co_domain is not null and ${U("i", 31)} < 0.7) as work,
      case when ${U("i", 26)} < 0.04 then null
           when g1.co_idx is not null and ${U("i", 27)} < 0.6 then g1.co_owner_ui
           else 1 + floor(${p.users - 1}::float8 * power(${U("i", 28)}, 2))::int end as owner_ui,
      case when ${U("i", 35)} < 0.8 then ${phone(36, "k.")} end as p1
      from g1
      join _s_country k on k.ci = g1.ci
      join _s_first f on f.ci = g1.ci and f.k = ${P("i", 29, "k.n_first")}
      join _s_last l on l.ci = g1.ci and l.k = ${P("i", 32, "k.n_last")}
      left join _s_job j on ${U("i", 33)} < 0.8 and j.ci = g1.ci and j.k = ${P("i", 34, "k.n_job")}
  ), g3 as (
    select g2.*,
      case when not has_email then null
           when work then (case ${P("i", 37, 4)} when 0 then fs || '.' || ls when 1 then left(fs, 1) || ls when 2 then fs || ls else fs || '.' || ls || ${P("i", 38, 100)} end) || '@' || co_domain
           else fs || '.' || ls || ${P("i", 39, 1000)} || '@' || freemail[1 + ${I("i", 41, "cardinality(freemail)")}] end as e1,
      case when has_email and work and ${U("i", 42)} < 0.25 then fs || ls || ${P("i", 43, 100)} || '@' || freemail[1 + ${I("i", 44, "cardinality(freemail)")}] end as e2,
      case when p1 is not null and ${U("i", 45)} < 0.2 then ${phone(46, "")} end as p2,
      case when lifecycle_stage not in ('subscriber', 'lead') and ${U("i", 47)} < 0.7 then cms + floor(${U("i", 48)} * (${END_MS} - cms))::int8 end as upd_ms
      from g2
  ), g4 as (
    select i, cms, upd_ms,
      case when ${U("i", 49)} < 0.01 then coalesce(upd_ms, cms) + floor(${U("i", 50)} * (${END_MS} - coalesce(upd_ms, cms)))::int8 end as del_ms,
      ${UUID7("cms", "i", 2, "i")} as id,
      ft as first_name, lt as last_name,
      case when e1 is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object('email', e1, 'label', case when work then 'work' else 'personal' end, 'primary', true))
        || case when e2 is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object('email', e2, 'label', 'personal', 'primary', false)) end end as emails,
      case when p1 is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object('phone', p1, 'label', 'mobile', 'primary', true))
        || case when p2 is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object('phone', p2, 'label', 'work', 'primary', false)) end end as phones,
      array_remove(array[e1, e2], null) as email_list, array_remove(array[p1, p2], null) as phone_list, e1 as primary_email, p1 as primary_phone,
      jt as job_title, company_id, owner_ui, lifecycle_stage,
      case when ${U("i", 51)} < 0.15 then null else (${textArray(LEAD_SOURCES)})[1 + ${I("i", 52, LEAD_SOURCES.length)}] end as lead_source,
      case when ${U("i", 53)} < 0.6 then '{}'::text[]
           when ${U("i", 53)} < 0.9 then array[(${textArray(CONTACT_TAGS)})[1 + ${I("i", 54, CONTACT_TAGS.length)}]]
           else array[(${textArray(CONTACT_TAGS)})[1 + ${I("i", 54, CONTACT_TAGS.length)}],
                      (${textArray(CONTACT_TAGS)})[1 + ((${P("i", 54, CONTACT_TAGS.length)} + 1 + ${P("i", 55, CONTACT_TAGS.length - 1)}) % ${CONTACT_TAGS.length})::int]] end as tags,
      case when ${U("i", 56)} < 0.75 then jsonb_build_object('country', code)
        || case when cardinality(cities) > 0 and ${U("i", 57)} < 0.6 then jsonb_build_object('city', cities[1 + ${I("i", 58, "cardinality(cities)")}]) else '{}'::jsonb end end as address,
      case when ${U("i", 59)} < 0.3 and fs <> '' then jsonb_build_object('linkedin', 'https://www.linkedin.com/in/' || fs || '-' || ls || '-' || to_hex(${P("i", 60, 65536)}))
           else '{}'::jsonb end as social_profiles,
      ${U("i", 61)} < 0.03 as do_not_contact,
      ${U("i", 62)} < 0.55 as email_consent,
      case when ${U("i", 63)} < 0.4 then jsonb_build_object('tier', (array['gold', 'silver', 'bronze'])[1 + ${I("i", 64, 3)}]) else '{}'::jsonb end
        || case when ${U("i", 65)} < 0.2 then jsonb_build_object('nps', ${P("i", 66, 11)}) else '{}'::jsonb end as custom,
      ${SEARCH(
        ["flc", "llc", "e1", "e2", "p1", "p2", "substr(p1, 2)", "substr(p2, 2)", "jlc"],
        ["fp", "lp", "e1", "e2", "p1", "p2", "substr(p1, 2)", "substr(p2, 2)", "jp"],
      )} as search_text,
      least(60, floor(-ln(1 - ${U("i", 67)}) * 5.5))::int as n_act
      from g3
  ), x as materialized (
    select g4.*, u.id as owner_id, u.email as owner_email from g4 left join _s_user u on u.ui = g4.owner_ui
  ), ic as (
    insert into contacts (workspace_id, id, first_name, last_name, emails, phones, email_list, phone_list, primary_email, primary_phone, job_title,
                          company_id, owner_id, lifecycle_stage, lead_source, tags, address, social_profiles, do_not_contact, email_consent, custom,
                          search_text, created_at, updated_at, deleted_at)
    select '${ws}'::uuid, id, first_name, last_name, emails, phones, email_list, phone_list, primary_email, primary_phone, job_title,
           company_id, owner_id, lifecycle_stage, lead_source, tags, address, social_profiles, do_not_contact, email_consent, custom,
           search_text, ${TS("cms")}, ${TS("coalesce(del_ms, upd_ms, cms)")}, ${TS("del_ms")}
      from x order by i
    returning 1
  ), ia as (
    insert into activities (workspace_id, id, type, subject, body, occurred_at, details, contact_id, company_id, author_id, created_at)
    select '${ws}'::uuid, ${UUID7("r.cr_ms", e, 84, e)}, r.t, s.subject, ${act.body("r.t")}, ${TS("r.occ_ms")}, ${act.details("r.t", "r.occ_ms")},
           x.id, x.company_id, coalesce(au.id, x.owner_id), ${TS("r.cr_ms")}
      from x
      cross join lateral generate_series(1, x.n_act) j
      cross join lateral (select x.i::int8 * 64 + j as e) q
      cross join lateral (select x.cms + floor(${U(e, 71)} * (${END_MS} - x.cms))::int8 as occ_ms, ${act.type} as t) r0
      cross join lateral (select r0.occ_ms, r0.t, r0.occ_ms + ${P(e, 85, 3_600_000)} as cr_ms) r
      join _s_subj s on s.type = r.t and s.k = ${P(e, 74, 12)}
      left join _s_user au on au.ui = case when ${U(e, 86)} < 0.8 and x.owner_ui is not null then x.owner_ui else 1 + ${P(e, 87, p.users - 1)}::int end
    returning 1
  ), ih as (
    insert into record_history (workspace_id, id, object, record_id, action, actor_id, actor_kind, changes, created_at)
    select '${ws}'::uuid, ${UUID7("cms", "i", 90, "i::int8 * 4")}, 'contact', id, 'create', ${actor(93)}, 'user', ${created}, ${TS("cms")} from x
    union all
    select '${ws}'::uuid, ${UUID7("upd_ms", "i", 94, "i::int8 * 4 + 1")}, 'contact', id, 'update', ${actor(97)}, 'user',
           jsonb_build_array(jsonb_build_object('field', 'lifecycleStage', 'from', 'lead', 'to', lifecycle_stage)), ${TS("upd_ms")}
      from x where upd_ms is not null
    union all
    select '${ws}'::uuid, ${UUID7("del_ms", "i", 98, "i::int8 * 4 + 2")}, 'contact', id, 'delete', ${actor(101)}, 'user',
           jsonb_build_array(jsonb_build_object('field', 'deletedAt', 'from', null, 'to', ${ISO("del_ms")})), ${TS("del_ms")}
      from x where del_ms is not null
    returning 1
  )
  select (select count(*) from ic)::int as c, (select count(*) from ia)::int as a, (select count(*) from ih)::int as h`;
}

// ---- checks: a sample of rows against the app's own functions ----

export async function verifySample(raw: Raw, ws: string, scale: number): Promise<void> {
  const every = Math.max(1, Math.floor(scale / 3000));
  const problems: string[] = [];
  const contacts = await raw.query<{
    id: string;
    first_name: string;
    last_name: string;
    email_list: string[];
    phone_list: string[];
    job_title: string | null;
    search_text: string;
    primary_email: string | null;
    primary_phone: string | null;
    created_ms: string;
    ms_ok: boolean;
    emails: { email: string; primary: boolean }[];
  }>(
    `select id, first_name, last_name, email_list, phone_list, job_title, search_text, primary_email, primary_phone, emails,
            (extract(epoch from created_at) * 1000)::int8::text as created_ms,
            created_at = date_trunc('milliseconds', created_at) and updated_at = date_trunc('milliseconds', updated_at) as ms_ok
       from contacts where workspace_id = $1 and ('x' || right(id::text, 12))::bit(48)::int8 % ${every} = 0 limit 5000`,
    [ws],
  );
  for (const c of contacts) {
    const expected = searchText([c.first_name, c.last_name, ...c.email_list, ...c.phone_list, ...c.phone_list.map((x) => x.replace(/\D/g, "")), c.job_title]);
    if (expected !== c.search_text) problems.push(`contact ${c.id} search_text ${JSON.stringify(c.search_text)} ≠ ${JSON.stringify(expected)}`);
    for (const ph of c.phone_list) if (normalisePhone(ph) !== ph) problems.push(`contact ${c.id} phone ${ph} is not valid E.164`);
    for (const em of c.email_list) {
      const r = Email.safeParse(em);
      if (!r.success || r.data !== em) problems.push(`contact ${c.id} email ${em} would not pass the app's Email schema`);
    }
    if ((c.email_list[0] ?? null) !== c.primary_email || (c.phone_list[0] ?? null) !== c.primary_phone) problems.push(`contact ${c.id} primary email/phone`);
    if (c.emails.filter((x) => x.primary).length !== (c.email_list.length ? 1 : 0)) problems.push(`contact ${c.id} primary flags`);
    if (!c.ms_ok) problems.push(`contact ${c.id} timestamps finer than milliseconds`);
    if (Number.parseInt(c.id.replace(/-/g, "").slice(0, 12), 16) !== Number(c.created_ms) || c.id[14] !== "7")
      problems.push(`contact ${c.id} is not a UUIDv7 of its created_at`);
  }
  const companies = await raw.query<{ id: string; name: string; domain: string | null; phone: string | null; search_text: string }>(
    `select id, name, domain, phone, search_text from companies where workspace_id = $1 and ('x' || right(id::text, 12))::bit(48)::int8 % ${Math.max(1, Math.floor(every / 10))} = 0 limit 2000`,
    [ws],
  );
  for (const c of companies) {
    const expected = searchText([c.name, c.domain, c.phone]);
    if (expected !== c.search_text) problems.push(`company ${c.id} search_text ${JSON.stringify(c.search_text)} ≠ ${JSON.stringify(expected)}`);
    if (c.domain && !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(c.domain)) problems.push(`company ${c.id} domain ${c.domain}`);
    if (c.phone && normalisePhone(c.phone) !== c.phone) problems.push(`company ${c.id} phone ${c.phone}`);
  }
  if (contacts.length === 0 || companies.length === 0) problems.push("no rows sampled");
  if (problems.length)
    throw new Error(`Seeded data does not match what the services would write (${problems.length} problems):\n  ${problems.slice(0, 8).join("\n  ")}`);
}

// ---- CLI ----

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "10k" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      "names-dir": { type: "string" },
      "rebuild-indexes": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "npm run seed -- --scale <n|10k|100k|1m> [--data-dir dir | --database-url postgres://…] [--names-dir dir] [--rebuild-indexes true|false]\n" +
        "Without --database-url: DATABASE_URL, else PGlite in --data-dir / RAPPORT_DATA_DIR (default ./data).\n",
    );
    return;
  }
  const { env } = await import("../src/config.js");
  const e = env();
  const databaseUrl = values["database-url"] ?? e.DATABASE_URL;
  const scale = parseScale(values.scale ?? "10k");
  const target = databaseUrl ? databaseUrl.replace(/\/\/[^@/]*@/, "//…@") : resolve(values["data-dir"] ?? e.RAPPORT_DATA_DIR);
  process.stderr.write(`Seeding scale ${scaleLabel(scale)} into ${databaseUrl ? "PostgreSQL" : "PGlite"} ${target}\n`);
  const r = await seed({
    scale,
    databaseUrl,
    dataDir: values["data-dir"] ?? e.RAPPORT_DATA_DIR,
    namesDir: values["names-dir"],
    rebuildIndexes: values["rebuild-indexes"] === undefined ? undefined : values["rebuild-indexes"] === "true",
  });
  const lines = ["", `Workspace: ${r.workspaceName} (${r.workspaceId})`, `Admin:     ${r.adminEmail} / ${r.adminPassword}`];
  if (r.rows && r.seconds && r.rowsPerSecond) {
    lines.push(
      `Rows:      ${Object.entries(r.rows)
        .map(([t, n]) => `${t} ${n.toLocaleString("en")}`)
        .join(", ")}`,
    );
    lines.push(`Time:      ${r.seconds.toFixed(1)} s, ${Math.round(r.rowsPerSecond).toLocaleString("en")} rows/s (including index builds and VACUUM ANALYZE)`);
    lines.push(`Names:     ${r.namesSource}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

// ---- sales: pipelines, stages, deals with their stage history, tasks ----

/** Two pipelines; open stages first (positions 0…), then the won and the lost stage. */
const PIPELINES: { name: string; stages: [string, number, "open" | "won" | "lost"][] }[] = [
  {
    name: "New business",
    stages: [
      ["Lead", 10, "open"],
      ["Qualified", 25, "open"],
      ["Proposal", 50, "open"],
      ["Negotiation", 75, "open"],
      ["Won", 100, "won"],
      ["Lost", 0, "lost"],
    ],
  },
  {
    name: "Renewals",
    stages: [
      ["Upcoming", 40, "open"],
      ["In talks", 70, "open"],
      ["Renewed", 100, "won"],
      ["Churned", 0, "lost"],
    ],
  },
];
const DEAL_PRODUCTS = ["Platform", "Expansion", "Pilot", "Licenses", "Services", "Renewal", "Upgrade", "Support plan"];

/** The pipelines and their stages; _s_pipe and _s_stage (pi, pos, id, pipeline_id, probability, type, n_open) stage them for the deal statements. */
async function loadPipelines(raw: Raw, ws: string): Promise<number> {
  const stages = PIPELINES.flatMap((pl, pi) =>
    pl.stages.map(([name, probability, type], pos) => ({ pi, pos, name, probability, type, n_open: pl.stages.filter((s) => s[2] === "open").length })),
  );
  const t0 = `${START_MS} - 86400000::int8 * 120`;
  await raw.query(
    `create temp table _s_pipe as
       select (pi1 - 1)::int as pi, name, ${UUID7(t0, "pi1", 400, "pi1")} as id
         from unnest(${textArray(PIPELINES.map((x) => x.name))}) with ordinality as x(name, pi1)`,
  );
  await raw.query(
    `create temp table _s_stage as
       select s.pi, s.pos, s.name, s.probability, s.type, s.n_open, p.id as pipeline_id,
              ${UUID7(t0, "s.pi * 100 + s.pos", 402, "s.pi * 100 + s.pos + 1")} as id
         from jsonb_to_recordset($1::jsonb) as s(pi int, pos int, name text, probability int, type text, n_open int)
         join _s_pipe p on p.pi = s.pi`,
    [JSON.stringify(stages)],
  );
  await raw.query(`analyze _s_pipe, _s_stage`);
  await raw.query(
    `insert into pipelines (workspace_id, id, name, is_default, position, created_at, updated_at)
       select '${ws}'::uuid, id, name, pi = 0, pi, ${TS(t0)}, ${TS(t0)} from _s_pipe`,
  );
  await raw.query(
    `insert into pipeline_stages (workspace_id, id, pipeline_id, name, position, probability, type, created_at)
       select '${ws}'::uuid, id, pipeline_id, name, pos, probability, type, ${TS(t0)} from _s_stage`,
  );
  // Quarterly quotas for every user but the admin, 2019–2025, growing over the years; some teams have their own.
  const quotas = await raw.query<{ n: number }>(
    `with i as (insert into quotas (workspace_id, id, subject_type, subject_id, period, period_kind, period_start, period_end, amount, currency, created_at, updated_at)
       select '${ws}'::uuid, ${UUID7(`${START_MS}`, "u.ui * 100 + (y - 2019) * 4 + q", 410, "u.ui * 100 + (y - 2019) * 4 + q")}, 'user', u.id,
              y || '-Q' || q, 'quarter', make_date(y, q * 3 - 2, 1), make_date(y, q * 3 - 2, 1) + interval '3 months',
              round((80000 + 20000 * (y - 2019) + 60000 * ${U("u.ui", 411)})::numeric, -3), 'USD', ${TS(`${START_MS}`)}, ${TS(`${START_MS}`)}
         from _s_user u, generate_series(2019, 2025) y, generate_series(1, 4) q
        where u.ui > 0
       returning 1)
     select count(*)::int as n from i`,
  );
  return PIPELINES.length + stages.length + (quotas[0]?.n ?? 0);
}

/**
 * Deals d in [a, b): 3 in 4 in "New business"; created over the seed's years (more recent ones more
 * likely), owners skewed like the contacts', amounts skewed (many small, few large), 8% in EUR. Deals
 * created more than ~4 months before the data's end are mostly closed (won ~35%, lost ~45%); the rest
 * sit in an open stage with an expected close date up to 6 months ahead. Each deal walks its stages
 * from the first: one deal_stage_changes row per step, spread between creation and its last move.
 */
export function dealsSql(p: ReturnType<typeof plan>, ws: string, admin: string, a: number, b: number): string {
  const ownerSkew = (e: string, s: number) => `(1 + floor(${p.users - 1}::float8 * power(${U(e, s)}, 2))::int)`;
  const DAY = 86_400_000;
  return `
  with g as (
    select d, case when ${U("d", 501)} < 0.75 then 0 else 1 end as pi,
           (${START_MS}::int8 + floor(${SPAN}::float8 * sqrt(${U("d", 502)}))::int8) as cms
      from generate_series(${a}, ${b - 1}) as d
  ), s as (
    select g.*, ps.n_open,
           case when cms < ${END_MS - 120 * DAY}::int8 and ${U("d", 503)} < 0.85
                then case when ${U("d", 504)} < 0.42 then 'won' else 'lost' end
                else 'open' end as status,
           ${P("d", 505, "ps.n_open")}::int as reached
      from g join _s_stage ps on ps.pi = g.pi and ps.pos = 0
  ), t as (
    select s.*,
           case when status = 'open' then least(${END_MS}::int8, cms + ${DAY}::int8 * (1 + ${P("d", 506, 90)}))
                else least(${END_MS}::int8, cms + ${DAY}::int8 * (3 + ${P("d", 507, 150)})) end as last_ms,
           case when status = 'open' then reached when status = 'won' then n_open else n_open + 1 end as final_pos,
           reached + case when status = 'open' then 1 else 2 end as steps
      from s
  ), x as (
    select t.*, st.id as stage_id, pl.id as pipeline_id, co.id as company_id, co.name as company_name, co.name_lc, co.name_plain,
           case when ${U("d", 508)} < 0.02 then null else u.id end as owner_id,
           round((300 + 250000 * power(${U("d", 509)}, 4))::numeric, -1 + (${P("d", 510, 2)})::int) as amount,
           case when ${U("d", 511)} < 0.08 then 'EUR' else 'USD' end as currency,
           ${UUID7("t.cms", "t.d", 512, "t.d")} as id
      from t
      join _s_stage st on st.pi = t.pi and st.pos = t.final_pos
      join _s_pipe pl on pl.pi = t.pi
      join _co co on co.idx = ${P("d", 513, p.companies)}
      join _s_user u on u.ui = ${ownerSkew("d", 514)}
  ), ins as (
    insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, expected_close_date, owner_id, company_id,
                       tags, stage_entered_at, closed_at, search_text, created_at, updated_at)
    select '${ws}'::uuid, id, company_name || ' – ' || (${textArray(DEAL_PRODUCTS)})[1 + ${I("d", 515, DEAL_PRODUCTS.length)}],
           pipeline_id, stage_id, status, amount, currency,
           (${TS(`case when status = 'open' then last_ms + ${DAY}::int8 * (7 + ${P("d", 516, 180)}) else last_ms end`)} at time zone 'UTC')::date,
           owner_id, company_id,
           case when ${U("d", 517)} < 0.2 then array['priority'] else '{}'::text[] end,
           ${TS("last_ms")}, case when status = 'open' then null else ${TS("last_ms")} end,
           case when name_lc = name_plain then name_lc else name_lc || ' ' || name_plain end
             || ' ' || lower((${textArray(DEAL_PRODUCTS)})[1 + ${I("d", 515, DEAL_PRODUCTS.length)}]),
           ${TS("cms")}, ${TS("last_ms")}
      from x order by cms, d
    returning 1
  ), ch as (
    insert into deal_stage_changes (workspace_id, id, deal_id, pipeline_id, from_stage_id, to_stage_id, at, actor_id)
    select '${ws}'::uuid, ${UUID7("m.at_ms", "x.d * 8 + k", 520, "x.d * 8 + k")}, x.id, x.pipeline_id, prev.id, cur.id, ${TS("m.at_ms")},
           coalesce(x.owner_id, '${admin}'::uuid)
      from x
      cross join lateral generate_series(0, x.steps - 1) as k
      cross join lateral (select case when x.status = 'open' or k < x.steps - 1 then k else x.final_pos end as pos,
                                 case when k = 0 then null when x.status = 'open' or k < x.steps - 1 then k - 1 else x.reached end as prev_pos,
                                 x.cms + case when x.steps = 1 then 0 else (x.last_ms - x.cms) * k / (x.steps - 1) end as at_ms) m
      join _s_stage cur on cur.pi = x.pi and cur.pos = m.pos
      left join _s_stage prev on prev.pi = x.pi and prev.pos = m.prev_pos
    returning 1
  ), tk as (
    insert into tasks (workspace_id, id, title, due_at, priority, status, assignee_id, related_object, related_id, completed_at, created_by_id, created_at, updated_at)
    select '${ws}'::uuid, ${UUID7("cms", "d", 530, "d")},
           (array['Send proposal', 'Follow up', 'Book demo', 'Prepare quote', 'Check in with champion', 'Renewal call'])[1 + ${I("d", 531, 6)}],
           ${TS(`cms + ${DAY}::int8 * (1 + ${P("d", 532, 30)})`)},
           (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + ${I("d", 533, 5)}],
           case when status = 'open' and ${U("d", 534)} < 0.6 then 'open' when ${U("d", 535)} < 0.1 then 'cancelled' else 'done' end,
           coalesce(owner_id, '${admin}'::uuid), 'deal', id,
           case when status = 'open' and ${U("d", 534)} < 0.6 then null else ${TS(`least(${END_MS}::int8, cms + ${DAY}::int8 * (1 + ${P("d", 536, 30)}))`)} end,
           coalesce(owner_id, '${admin}'::uuid), ${TS("cms")}, ${TS("cms")}
      from x where ${U("d", 537)} < 0.6
    returning 1
  )
  select (select count(*) from ins)::int as d, (select count(*) from ch)::int as c, (select count(*) from tk)::int as t`;
}
