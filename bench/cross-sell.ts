/**
 * Cross-sell next best actions over a large purchase history. Seeds one workspace straight in SQL: C companies
 * (default 50,000) owned by 20 users, 40 products, and per company 1–4 won deals of 1–3 line items each (about 125,000
 * won deals and 250,000 line items at the default), every choice a hash of the row number. Then times, medians of
 * --runs after one warm-up:
 *   - rules: the association rules computed over every purchase (what a cache miss costs),
 *   - suggestions (cached rules): one user's cross-sell suggestions on the home page, and one company's page,
 *   - baseline: a bare count of the won deals' line items, the least any computation over every purchase must read.
 * Needs a scratch PostgreSQL database; the workspace's rows are removed afterwards:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scratch npx tsx bench/cross-sell.ts [companies] [--runs 5]
 */
import { sql } from "drizzle-orm";
import type { Ctx } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { queryRows } from "../src/db/client.js";
import { associationRules, crossSell } from "../src/modules/next-actions/rules.js";
import { scratchBench } from "./lib/scratch.js";

const { n, runs, database } = await scratchBench(50_000);
const db = database.db;
const ws = newId();
const pipeline = newId();
const wonStage = newId();
const now = new Date();

const t = performance.now();
await db.execute(sql`insert into users (workspace_id, id, identity_id, email, name, role)
  select ${ws}::uuid, gen_random_uuid(), gen_random_uuid(), 'rep' || i || '@bench.example', 'Rep ' || i, 'sales' from generate_series(1, 20) i`);
await db.execute(sql`insert into pipelines (workspace_id, id, name, is_default) values (${ws}::uuid, ${pipeline}::uuid, 'Sales', true)`);
await db.execute(sql`insert into pipeline_stages (workspace_id, id, pipeline_id, name, position, probability, type)
  values (${ws}::uuid, ${wonStage}::uuid, ${pipeline}::uuid, 'Won', 0, 100, 'won')`);
await db.execute(sql`insert into products (workspace_id, id, name, sku, unit_price, currency)
  select ${ws}::uuid, gen_random_uuid(), 'Product ' || i, 'P' || i, 100, 'EUR' from generate_series(1, 40) i`);
await db.execute(sql`
  with u as (select id, row_number() over (order by id) - 1 as k from users where workspace_id = ${ws}::uuid)
  insert into companies (workspace_id, id, name, owner_id)
  select ${ws}::uuid, gen_random_uuid(), 'Company ' || i, (select id from u where u.k = abs(hashint8extended(i, 1)) % 20) from generate_series(1, ${n}) i`);
await db.execute(sql`
  with c as (select id, row_number() over (order by id) as k from companies where workspace_id = ${ws}::uuid)
  insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, company_id, closed_at)
  select ${ws}::uuid, gen_random_uuid(), 'Order', ${pipeline}::uuid, ${wonStage}::uuid, 'won', 100, 'EUR', c.id,
         ${now.toISOString()}::timestamptz - (abs(hashint8extended(c.k * 10 + j, 2)) % 700) * interval '1 day'
  from c cross join generate_series(1, 4) j where j <= 1 + abs(hashint8extended(c.k, 3)) % 4`);
// Products bought together: a company leans to a "family" of 5 products, so the rules have real structure.
await db.execute(sql`
  with p as (select id, row_number() over (order by name) - 1 as k from products where workspace_id = ${ws}::uuid),
       c as (select id, row_number() over (order by id) as k from companies where workspace_id = ${ws}::uuid),
       d as (select x.id, c.k as ck, row_number() over (order by x.id) as k from deals x join c on c.id = x.company_id where x.workspace_id = ${ws}::uuid)
  insert into deal_line_items (workspace_id, id, deal_id, product_id, name, quantity, unit_price, total, position)
  select ${ws}::uuid, gen_random_uuid(), d.id, p.id, 'Item', 1, 100, 100, j
  from d cross join generate_series(1, 3) j
  join p on p.k = (abs(hashint8extended(d.ck, 4)) % 8) * 5 + abs(hashint8extended(d.k * 3 + j, 5)) % 5
  where j <= 1 + abs(hashint8extended(d.k, 6)) % 3`);
await db.execute(sql`vacuum analyze deals`);
await db.execute(sql`vacuum analyze deal_line_items`);
const [counts] = await queryRows<{ deals: number; items: number }>(
  db,
  sql`select (select count(*)::int from deals where workspace_id = ${ws}::uuid) as deals,
             (select count(*)::int from deal_line_items where workspace_id = ${ws}::uuid) as items`,
);
console.log(
  `seeded ${n.toLocaleString("en")} companies, ${counts?.deals.toLocaleString("en")} won deals, ${counts?.items.toLocaleString("en")} line items in ${Math.round((performance.now() - t) / 1000)} s`,
);

const [user] = await queryRows<{ id: string }>(db, sql`select id from users where workspace_id = ${ws}::uuid order by email limit 1`);
const [company] = await queryRows<{ id: string }>(db, sql`select id from companies where workspace_id = ${ws}::uuid order by name limit 1`);
const ctx: Ctx = { db, workspaceId: ws, actor: { kind: "user", userId: user?.id as string, role: "admin" } };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    out.push(performance.now() - s);
  }
  return median(out);
}

if (process.env.EXPLAIN) {
  await crossSell({ ctx, scope: { kind: "mine", userId: user?.id as string }, now, limit: 20 });
  const explaining = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "execute") return Reflect.get(target, prop, receiver);
      return async (q: ReturnType<typeof sql>) => {
        const text = (target as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect.sqlToQuery(q).sql;
        if (!text.includes("theirs")) return target.execute(q);
        const res = (await target.execute(sql`explain (analyze, buffers) ${q}`)) as unknown as { rows: Record<string, string>[] };
        console.log(res.rows.map((r) => Object.values(r)[0]).join("\n"));
        return { rows: [] };
      };
    },
  });
  await crossSell({ ctx: { ...ctx, db: explaining }, scope: { kind: "mine", userId: user?.id as string }, now, limit: 20 });
  for (const table of ["deal_line_items", "deals", "companies", "products", "pipeline_stages", "pipelines", "users"])
    await db.execute(sql`delete from ${sql.raw(table)} where workspace_id = ${ws}::uuid`);
  process.exit(0);
}

const baseline = await time(() =>
  db.execute(sql`select count(*) from deals d join deal_line_items li on li.workspace_id = d.workspace_id and li.deal_id = d.id
                 where d.workspace_id = ${ws}::uuid and d.status = 'won' and d.deleted_at is null`),
);
const rules = await time(() => associationRules(ctx));
const mine = await time(() => crossSell({ ctx, scope: { kind: "mine", userId: user?.id as string }, now, limit: 20 }));
const one = await time(() => crossSell({ ctx, scope: { kind: "record", object: "company", id: company?.id as string }, now, limit: 20 }));
const found = await crossSell({ ctx, scope: { kind: "mine", userId: user?.id as string }, now, limit: 20 });
const ruleCount = (await associationRules(ctx)).length;

const ms = (x: number) => `${Math.round(x)} ms`;
const ratio = (x: number) => `${(x / baseline).toFixed(1)}×`;
console.log(`\n| cross-sell at ${n.toLocaleString("en")} companies (PostgreSQL, median of ${runs}) | time | vs baseline |`);
console.log("|---|---|---|");
console.log(`| baseline: count of won deals' line items | ${ms(baseline)} | 1.0× |`);
console.log(`| association rules over every purchase (${ruleCount} rules; a cache miss) | ${ms(rules)} | ${ratio(rules)} |`);
console.log(`| one rep's home suggestions, cached rules (${found.length} shown) | ${ms(mine)} | ${ratio(mine)} |`);
console.log(`| one company's page, cached rules | ${ms(one)} | ${ratio(one)} |`);

for (const table of ["deal_line_items", "deals", "companies", "products", "pipeline_stages", "pipelines", "users"])
  await db.execute(sql`delete from ${sql.raw(table)} where workspace_id = ${ws}::uuid`);
await database.close();
