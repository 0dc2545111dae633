/**
 * The condition-language migration (0032_one_condition_language) keeps every saved rule, view and workflow condition
 * meaning what it meant: a database is migrated to just before it, seeded with conditions of every old shape and
 * operator and records covering the edge cases (blanks, case, lists, missing companies, dates around midnight),
 * migrated, and each converted condition must select exactly the records the old evaluator selected, both in
 * memory (evaluate) and in SQL (toSql).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { type Condition, validateCondition } from "../../contract/conditions.js";
import { fieldRegistry } from "../../contract/fields.js";
import { type Database, openDatabase, queryRows } from "../../db/client.js";
import { resolveField } from "../../db/list-query.js";
import { runMigrations } from "../../db/migrate.js";
import { databaseKinds } from "../../test/harness.js";
import { type LegacyLeadFacts, type LegacyLeaf, legacyFilterSql, legacyLeadMatches, legacyWorkflowHolds } from "../../test/legacy-conditions.js";
import { contactFields } from "../contacts/service.js";
import { contacts } from "../contacts/table.js";
import { leadRecordOf, ruleMatches } from "../leads/conditions.js";
import { type ConditionContext, evaluate, toSql } from "./service.js";

/** The migrations folder up to (not including) the first migration of the one condition language. */
function migrationsBefore(tagSuffix: string): string {
  const source = fileURLToPath(new URL("../../db/migrations", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "rapport-migrations-"));
  cpSync(source, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag.endsWith(tagSuffix));
  if (cut < 0) throw new Error(`No migration ${tagSuffix}`);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

async function freshDatabase(kind: string): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === "pglite") {
    const database = await openDatabase({});
    return { database, drop: async () => {} };
  }
  const shared = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `rapport_cond_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: shared.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  shared.pathname = `/${name}`;
  const database = await openDatabase({ url: shared.toString() });
  return {
    database,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const WS = "0190b000-0000-7000-8000-000000000001";
const USER = "0190b000-0000-7000-8000-0000000000a1";
const id = (n: number) => `0190b000-0000-7000-8000-${String(n).padStart(12, "0")}`;

interface SeedContact {
  n: number;
  firstName?: string;
  jobTitle?: string | null;
  email?: string | null;
  address?: Record<string, string> | null;
  leadSource?: string | null;
  stage?: string;
  tags?: string[];
  custom?: Record<string, unknown>;
  company?: number | null;
  createdAt: string;
  doNotContact?: boolean;
}

const companiesSeed = [
  { n: 901, name: "Big", employees: 500, industry: "Software" },
  { n: 902, name: "Small", employees: 20, industry: null },
  { n: 903, name: "Unknown size", employees: null, industry: "SOFTWARE" },
];

const contactsSeed: SeedContact[] = [
  {
    n: 1,
    firstName: "Ann",
    jobTitle: "VP Sales",
    email: "ann@Acme.com",
    address: { country: "DE", city: "Berlin" },
    leadSource: "web_form",
    stage: "lead",
    tags: ["VIP 2026", "emea"],
    custom: { tier: "Gold", interests: ["Gold"], seats: 12 },
    company: 901,
    createdAt: "2026-03-01T00:00:00.000Z",
  },
  {
    n: 2,
    firstName: "bob",
    jobTitle: "Student",
    email: "bob@example.org",
    address: { country: "de", region: "Bavaria" },
    leadSource: "referral",
    stage: "customer",
    tags: ["EMEA"],
    custom: { tier: "silver", interests: ["Silver", "Gold"], seats: 5 },
    company: 902,
    createdAt: "2026-03-01T10:00:00.000Z",
    doNotContact: true,
  },
  {
    n: 3,
    firstName: "",
    jobTitle: null,
    email: null,
    address: null,
    leadSource: null,
    stage: "lead",
    tags: [],
    custom: {},
    company: null,
    createdAt: "2026-02-28T23:59:59.000Z",
  },
  {
    n: 4,
    firstName: "Cy",
    jobTitle: "CTO",
    email: "cy@acme.com",
    address: { country: "US" },
    leadSource: "web_form",
    stage: "opportunity",
    tags: ["vip"],
    custom: { seats: 40, interests: [] },
    company: 903,
    createdAt: "2026-03-02T00:00:00.000Z",
  },
  {
    n: 5,
    firstName: "Di",
    jobTitle: "Head of vp relations",
    email: "di@ACME.COM",
    address: { country: "FR", city: "" },
    leadSource: "event",
    stage: "lead",
    tags: ["emea", "partner"],
    custom: { tier: "", seats: 13 },
    company: 902,
    createdAt: "2026-02-15T12:00:00.000Z",
  },
];

/** Assignment and scoring rules of the old shape: every operator, on every kind of field, with the values people typed. */
const oldRules: LegacyLeaf[][] = [
  [{ field: "country", op: "eq", value: "de " }],
  [{ field: "country", op: "neq", value: "DE" }],
  [{ field: "country", op: "in", value: ["DE", " fr"] }],
  [{ field: "country", op: "in", value: "US" }],
  [{ field: "city", op: "empty" }],
  [{ field: "region", op: "notEmpty" }],
  [{ field: "jobTitle", op: "contains", value: "vp" }],
  [{ field: "jobTitle", op: "empty" }],
  [{ field: "jobTitle", op: "notEmpty" }],
  [{ field: "leadSource", op: "in", value: ["web_form", "event"] }],
  [{ field: "leadSource", op: "eq", value: "referral" }],
  [{ field: "leadSource", op: "contains", value: "WEB" }],
  [{ field: "custom.tier", op: "contains", value: "old" }],
  [{ field: "custom.tier", op: "contains", value: "platinum" }],
  [{ field: "lifecycleStage", op: "neq", value: "customer" }],
  [{ field: "companySize", op: "gt", value: 100 }],
  [{ field: "companySize", op: "gte", value: "500" }],
  [{ field: "companySize", op: "lt", value: 100 }],
  [{ field: "companySize", op: "lte", value: 20 }],
  [{ field: "companySize", op: "between", value: [20, 500] }],
  [{ field: "companySize", op: "empty" }],
  [{ field: "companyIndustry", op: "eq", value: "software" }],
  [{ field: "companyIndustry", op: "contains", value: "SOFT" }],
  [{ field: "companyIndustry", op: "empty" }],
  [{ field: "emailDomain", op: "eq", value: "acme.com" }],
  [{ field: "emailDomain", op: "contains", value: "acme" }],
  [{ field: "tags", op: "contains", value: "vip" }],
  [{ field: "tags", op: "contains", value: "emea" }],
  [{ field: "tags", op: "empty" }],
  [{ field: "tags", op: "notEmpty" }],
  [{ field: "custom.tier", op: "eq", value: "gold" }],
  [{ field: "custom.tier", op: "neq", value: "Gold" }],
  [{ field: "custom.tier", op: "empty" }],
  [{ field: "custom.tier", op: "in", value: ["Gold", "Silver"] }],
  [{ field: "custom.interests", op: "eq", value: "gold" }],
  [{ field: "custom.interests", op: "in", value: ["silver"] }],
  [{ field: "custom.interests", op: "contains", value: "ol" }],
  [{ field: "custom.interests", op: "empty" }],
  [{ field: "custom.seats", op: "gt", value: 12 }],
  [{ field: "custom.seats", op: "between", value: [5, 12] }],
  [{ field: "custom.seats", op: "eq", value: "13" }],
  [
    { field: "country", op: "in", value: ["DE", "FR"] },
    { field: "companySize", op: "gt", value: 10 },
    { field: "jobTitle", op: "notEmpty" },
  ],
];

/** Saved views of the old shape (contacts): every list operator, dates as the old filter bar wrote them. */
const oldViews: LegacyLeaf[][] = [
  [{ field: "firstName", op: "eq", value: "ANN" }],
  [{ field: "jobTitle", op: "contains", value: "vp" }],
  [{ field: "jobTitle", op: "empty" }],
  [{ field: "jobTitle", op: "notEmpty" }],
  [{ field: "country", op: "eq", value: "de" }],
  [{ field: "leadSource", op: "in", value: ["web_form", "event"] }],
  [{ field: "leadSource", op: "neq", value: "web_form" }],
  [{ field: "lifecycleStage", op: "neq", value: "lead" }],
  [{ field: "tags", op: "eq", value: "emea" }],
  [{ field: "tags", op: "contains", value: "emea" }],
  [{ field: "tags", op: "neq", value: "emea" }],
  [{ field: "tags", op: "in", value: ["vip", "partner"] }],
  [{ field: "tags", op: "empty" }],
  [{ field: "tags", op: "notEmpty" }],
  [{ field: "createdAt", op: "gt", value: "2026-03-01" }],
  [{ field: "createdAt", op: "gte", value: "2026-03-01" }],
  [{ field: "createdAt", op: "lt", value: "2026-03-01" }],
  [{ field: "createdAt", op: "lte", value: "2026-03-01" }],
  [
    { field: "createdAt", op: "gte", value: "2026-03-01" },
    { field: "createdAt", op: "lt", value: "2026-03-02" },
  ],
  [{ field: "createdAt", op: "gt", value: "2026-03-01T05:00:00.000Z" }],
  [{ field: "doNotContact", op: "eq", value: true }],
  [{ field: "ownerId", op: "empty" }],
  [{ field: "custom.seats", op: "gte", value: 12 }],
  [{ field: "custom.interests", op: "contains", value: "Gold" }],
  [{ field: "custom.tier", op: "contains", value: "ILV" }],
  [{ field: "lifecycleStage", op: "contains", value: "qualified" }],
];

type OldNode = { all?: OldNode[]; any?: OldNode[]; field?: string; op?: string; value?: unknown };
/** Workflow conditions of the old evaluator's shape: record paths, webhook operators, groups. */
const oldWorkflowConditions: OldNode[] = [
  { all: [{ field: "address.country", op: "eq", value: "de" }] },
  {
    any: [
      { field: "address.city", op: "empty" },
      { field: "tags", op: "contains", value: "vip" },
    ],
  },
  { any: [] },
  {},
  { all: [{ field: "createdAt", op: "gt", value: "2026-03-01" }] },
  { all: [{ field: "createdAt", op: "lte", value: "2026-03-01" }] },
  { all: [{ field: "createdAt", op: "gte", value: "2026-03-01T10:00:00.000Z" }] },
  {
    all: [
      { field: "jobTitle", op: "contains", value: "VP" },
      {
        any: [
          { field: "leadSource", op: "in", value: "web_form" },
          { field: "custom.seats", op: "gt", value: 12 },
        ],
      },
    ],
  },
  { all: [{ field: "custom.interests", op: "contains", value: "sil" }] },
  {
    any: [
      { field: "lifecycleStage", op: "contains", value: "cust" },
      { field: "leadSource", op: "contains", value: "nothing" },
    ],
  },
  {
    all: [
      { field: "lifecycleStage", op: "neq", value: "customer" },
      { field: "firstName", op: "notEmpty" },
    ],
  },
];

describe.each(databaseKinds)("the condition-language migration on %s", (kind) => {
  it("keeps every assignment and scoring rule, saved view and workflow condition selecting the same records", async () => {
    const before = migrationsBefore("_rule_conditions_default");
    const { database, drop } = await freshDatabase(kind);
    try {
      if (database.pool) await migratePg(drizzlePg(database.pool), { migrationsFolder: before });
      else await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: before });
      const db = database.db;
      const run = (q: SQL) => db.execute(q);

      await run(sql`insert into workspaces (id, name, slug) values (${WS}, 'W', 'w')`);
      await run(sql`insert into identities (id, email, password_hash) values (${USER}, 'a@example.com', 'x')`);
      await run(sql`insert into users (workspace_id, id, email, name, role, identity_id) values (${WS}, ${USER}, 'a@example.com', 'A', 'admin', ${USER})`);
      const fields = [
        { key: "tier", label: "Tier", type: "select", options: ["Gold", "Silver"] },
        { key: "interests", label: "Interests", type: "multi_select", options: ["Gold", "Silver"] },
        { key: "seats", label: "Seats", type: "number", options: [] },
      ];
      for (const [i, f] of fields.entries())
        await run(
          sql`insert into custom_fields (workspace_id, id, object, key, label, type, options) values (${WS}, ${id(800 + i)}, 'contact', ${f.key}, ${f.label}, ${f.type}, ${JSON.stringify(f.options)}::jsonb)`,
        );
      for (const c of companiesSeed)
        await run(
          sql`insert into companies (workspace_id, id, name, employees, industry) values (${WS}, ${id(c.n)}, ${c.name}, ${c.employees}, ${c.industry})`,
        );
      for (const c of contactsSeed) {
        const emails = c.email ? sql`array[${c.email.toLowerCase()}]::text[]` : sql`'{}'::text[]`;
        await run(sql`insert into contacts (workspace_id, id, first_name, job_title, primary_email, email_list, address, lead_source, lifecycle_stage, tags, custom, company_id, created_at, updated_at, do_not_contact)
          values (${WS}, ${id(c.n)}, ${c.firstName ?? ""}, ${c.jobTitle ?? null}, ${c.email ?? null}, ${emails}, ${c.address ? JSON.stringify(c.address) : null}::jsonb,
            ${c.leadSource ?? null}, ${c.stage ?? "lead"}, ${sql`array[${sql.join(
              (c.tags ?? []).map((t) => sql`${t}`),
              sql`, `,
            )}]::text[]`}, ${JSON.stringify(c.custom ?? {})}::jsonb, ${c.company ? id(c.company) : null}, ${c.createdAt}, ${c.createdAt}, ${c.doNotContact ?? false})`);
      }
      for (const [i, conditions] of oldRules.entries()) {
        await run(
          sql`insert into assignment_rules (workspace_id, id, name, position, conditions, target) values (${WS}, ${id(100 + i)}, ${`R${i}`}, ${i}, ${JSON.stringify(conditions)}::jsonb, ${JSON.stringify({ kind: "user", userId: USER })}::jsonb)`,
        );
        await run(
          sql`insert into scoring_rules (workspace_id, id, kind, name, points, conditions) values (${WS}, ${id(200 + i)}, 'field', ${`S${i}`}, 5, ${JSON.stringify(conditions)}::jsonb)`,
        );
      }
      // An event rule has no conditions: its empty list becomes the condition every contact meets.
      await run(sql`insert into scoring_rules (workspace_id, id, kind, name, points, event) values (${WS}, ${id(299)}, 'event', 'Calls', 5, 'call')`);
      for (const [i, filters] of oldViews.entries())
        await run(
          sql`insert into saved_views (workspace_id, id, object, name, owner_id, state) values (${WS}, ${id(300 + i)}, 'contact', ${`V${i}`}, ${USER}, ${JSON.stringify({ filters, columns: [] })}::jsonb)`,
        );
      const definition = (filter: OldNode, steps: unknown[] = []) => ({
        trigger: { type: "record_created", object: "contact", filter },
        start: null,
        steps,
        settings: {},
      });
      for (const [i, c] of oldWorkflowConditions.entries()) {
        await run(sql`insert into workflows (workspace_id, id, name) values (${WS}, ${id(400 + i)}, ${`F${i}`})`);
        const steps = [{ id: "branch", type: "if_else", name: "Branch", config: { condition: c }, next: { yes: null, no: null } }];
        await run(
          sql`insert into workflow_versions (workspace_id, id, workflow_id, version, state, definition, trigger_type) values (${WS}, ${id(500 + i)}, ${id(400 + i)}, 1, 'published', ${JSON.stringify(definition(c, steps))}::jsonb, 'record_created')`,
        );
      }

      // The old answers, before migrating.
      const contactRows = await db.select().from(contacts).where(eq(contacts.workspaceId, WS)).orderBy(asc(contacts.id));
      const companyOf = new Map(companiesSeed.map((c) => [id(c.n), c]));
      const legacyFacts = (r: (typeof contactRows)[number]): LegacyLeadFacts => {
        const co = r.companyId ? companyOf.get(r.companyId) : undefined;
        return {
          country: r.address?.country ?? null,
          region: r.address?.region ?? null,
          city: r.address?.city ?? null,
          jobTitle: r.jobTitle,
          leadSource: r.leadSource,
          lifecycleStage: r.lifecycleStage,
          companySize: co?.employees ?? null,
          companyIndustry: co?.industry ?? null,
          emailDomain: r.primaryEmail?.split("@")[1] ?? null,
          tags: r.tags,
          custom: r.custom,
        };
      };
      const oldRuleHits = oldRules.map((cs) => contactRows.filter((r) => cs.every((c) => legacyLeadMatches(legacyFacts(r), c))).map((r) => r.id));
      const defs = fields.map((f) => ({ ...f, object: "contact" }));
      const oldViewHits: string[][] = [];
      for (const filters of oldViews) {
        const where = filters.map((f) => legacyFilterSql(resolveField(contactFields, f.field, contacts.custom, defs as never), f));
        const rows = await db
          .select({ id: contacts.id })
          .from(contacts)
          .where(and(eq(contacts.workspaceId, WS), ...where))
          .orderBy(asc(contacts.id));
        oldViewHits.push(rows.map((r) => r.id));
      }
      // Workflows read the record as the API gives it: timestamps as ISO text.
      const apiRecord = (r: (typeof contactRows)[number]) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });
      const oldWorkflowHits = oldWorkflowConditions.map((c) => contactRows.filter((r) => legacyWorkflowHolds(c, apiRecord(r))).map((r) => r.id));

      await runMigrations(database);
      // Twice: the conversion leaves converted conditions as they are.
      await runMigrations(database);

      // A workspace far from UTC: a bare date in a converted view must still mean what it meant (midnight UTC).
      const context: ConditionContext = {
        registry: fieldRegistry(defs),
        timeZone: "Pacific/Auckland",
        now: new Date("2026-03-10T12:00:00Z"),
        userId: USER,
      };
      const sqlHits = async (condition: Condition) =>
        (
          await db
            .select({ id: contacts.id })
            .from(contacts)
            .where(and(eq(contacts.workspaceId, WS), toSql(condition, "contact", context)))
            .orderBy(asc(contacts.id))
        ).map((r) => r.id);

      const rules = await queryRows<{ id: string; conditions: Condition }>(
        db,
        sql`select id, conditions from assignment_rules where workspace_id = ${WS} order by position`,
      );
      const scoring = await queryRows<{ id: string; kind: string; conditions: Condition }>(
        db,
        sql`select id, kind, conditions from scoring_rules where workspace_id = ${WS} order by id`,
      );
      expect(rules).toHaveLength(oldRules.length);
      for (const [i, rule] of rules.entries()) {
        const label = `rule ${i}: ${JSON.stringify(oldRules[i])} → ${JSON.stringify(rule.conditions)}`;
        expect(validateCondition(rule.conditions, "contact", context.registry), label).toEqual([]);
        const inMemory = contactRows
          .filter((r) => ruleMatches(rule.conditions, leadRecordOf(r as never, r.companyId ? companyOf.get(r.companyId) : null), context))
          .map((r) => r.id);
        expect(inMemory, label).toEqual(oldRuleHits[i]);
        expect(await sqlHits(rule.conditions), label).toEqual(oldRuleHits[i]);
        expect(scoring[i]?.conditions, label).toEqual(rule.conditions);
      }
      expect(scoring.at(-1)).toMatchObject({ kind: "event", conditions: { all: [] } });

      const views = await queryRows<{ id: string; state: { filters: Condition[] } }>(
        db,
        sql`select id, state from saved_views where workspace_id = ${WS} order by id`,
      );
      for (const [i, view] of views.entries()) {
        const condition: Condition = { all: view.state.filters };
        const label = `view ${i}: ${JSON.stringify(oldViews[i])} → ${JSON.stringify(condition)}`;
        expect(validateCondition(condition, "contact", context.registry), label).toEqual([]);
        expect(await sqlHits(condition), label).toEqual(oldViewHits[i]);
        expect(
          contactRows.filter((r) => evaluate(condition, apiRecord(r), { ...context, object: "contact" })).map((r) => r.id),
          label,
        ).toEqual(oldViewHits[i]);
      }

      const versions = await queryRows<{ definition: { trigger: { filter: Condition }; steps: { config: { condition: Condition } }[] } }>(
        db,
        sql`select definition from workflow_versions where workspace_id = ${WS} order by id`,
      );
      for (const [i, v] of versions.entries()) {
        const label = `workflow ${i}: ${JSON.stringify(oldWorkflowConditions[i])} → ${JSON.stringify(v.definition.trigger.filter)}`;
        expect(v.definition.steps[0]?.config.condition, label).toEqual(v.definition.trigger.filter);
        expect(validateCondition(v.definition.trigger.filter, "contact", context.registry), label).toEqual([]);
        const hits = contactRows.filter((r) => evaluate(v.definition.trigger.filter, apiRecord(r), { ...context, object: "contact" })).map((r) => r.id);
        expect(hits, label).toEqual(oldWorkflowHits[i]);
        expect(await sqlHits(v.definition.trigger.filter), label).toEqual(oldWorkflowHits[i]);
      }
      // The helper functions of the migration are gone again.
      const left = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from pg_proc where proname like 'rapport_c18_%'`);
      expect(left[0]?.n).toBe(0);
    } finally {
      await database.close();
      await drop();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
