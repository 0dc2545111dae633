/**
 * A segment's count on a large workspace against the plainest count of the same contacts (count(*) of the live
 * contacts of the workspace), measured alternately in one run so load from other processes falls on both alike.
 * Contacts are written with INSERT … SELECT FROM generate_series (custom fields, lifecycle stages, tags), then
 * ANALYZE; the segments are counted through the segments service exactly as the editor's live count does.
 *
 *   npx tsx bench/segments.ts                                     # PGlite in memory, 100,000 contacts
 *   BENCH_DATABASE_URL=postgres://…/rapport_seg_bench CONTACTS=1000000 RUNS=9 npx tsx bench/segments.ts
 */
import { sql } from "drizzle-orm";
import type { Condition } from "../src/contract/conditions.js";
import type { Ctx } from "../src/core/context.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { signup } from "../src/modules/auth/service.js";
import { createCustomField } from "../src/modules/custom-fields/service.js";
import { previewSegment } from "../src/modules/segments/service.js";

const CONTACTS = Number(process.env.CONTACTS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 7);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] as number;

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  const database = await openDatabase(url ? { url } : {});
  await runMigrations(database);
  const db = database.db;
  const p = await signup(db, {
    workspaceName: `Segment bench ${Date.now()}`,
    name: "Bench",
    email: `seg-bench-${Date.now()}@example.com`,
    password: "bench password",
  });
  const ctx: Ctx = { db, workspaceId: p.workspace.id, actor: { kind: "user", userId: p.user.id, role: "admin" } };
  await createCustomField(ctx, { object: "contact", label: "Education", key: "education", type: "text" } as Parameters<typeof createCustomField>[1]);
  await createCustomField(ctx, { object: "contact", label: "Income", key: "income", type: "number" } as Parameters<typeof createCustomField>[1]);
  const ws = p.workspace.id;
  const started = Date.now();
  for (let from = 1; from <= CONTACTS; from += 100_000) {
    const to = Math.min(CONTACTS, from + 99_999);
    await db.execute(sql`insert into contacts (workspace_id, id, first_name, last_name, lifecycle_stage, lead_score, tags, custom)
      select ${ws}::uuid, gen_random_uuid(), 'First ' || g, 'Last ' || g,
        (array['subscriber','lead','customer','evangelist'])[1 + (g % 4)], (g::bigint * 37) % 100,
        case when g % 10 = 0 then array['vip'] else '{}'::text[] end,
        jsonb_build_object('education', (array['PhD','Master','Graduation','Basic'])[1 + (g % 4)], 'income', 20000 + (g::bigint * 7919) % 80000)
      from generate_series(${from}::int, ${to}::int) g`);
  }
  await db.execute(sql`analyze contacts`);
  console.log(`${CONTACTS.toLocaleString()} contacts written in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const segments: [string, Condition][] = [
    ["lifecycle stage is customer", { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] }],
    [
      "education PhD and income > 50,000 (custom fields)",
      {
        all: [
          { field: "custom.education", op: "eq", value: "PhD" },
          { field: "custom.income", op: "gt", value: 50000 },
        ],
      },
    ],
    [
      "(vip tag or score ≥ 90) and not a subscriber",
      {
        all: [
          {
            any: [
              { field: "tags", op: "contains", value: "vip" },
              { field: "leadScore", op: "gte", value: 90 },
            ],
          },
          { field: "lifecycleStage", op: "neq", value: "subscriber" },
        ],
      },
    ],
  ];
  const baseline: number[] = [];
  const times = segments.map(() => [] as number[]);
  const counts: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let t0 = performance.now();
    await queryRows(db, sql`select count(*)::int as n from contacts where workspace_id = ${ws}::uuid and deleted_at is null`);
    baseline.push(performance.now() - t0);
    for (const [i, [, condition]] of segments.entries()) {
      t0 = performance.now();
      counts[i] = await previewSegment(ctx, condition);
      times[i]?.push(performance.now() - t0);
    }
  }
  const b50 = pct(baseline, 0.5);
  console.log(`\n| ${CONTACTS.toLocaleString()} contacts, ${RUNS} runs | count | p50 ms | p95 ms | p50 ÷ baseline p50 |`);
  console.log("|---|---:|---:|---:|---:|");
  console.log(`| baseline: count(*) of the workspace's live contacts | ${CONTACTS} | ${b50.toFixed(0)} | ${pct(baseline, 0.95).toFixed(0)} | 1.00 |`);
  segments.forEach(([name], i) => {
    const xs = times[i] as number[];
    console.log(`| ${name} | ${counts[i]} | ${pct(xs, 0.5).toFixed(0)} | ${pct(xs, 0.95).toFixed(0)} | ${(pct(xs, 0.5) / b50).toFixed(2)} |`);
  });
  await database.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
