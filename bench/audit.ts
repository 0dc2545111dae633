/**
 * What the audit log costs a write: contact updates through the service (validation, history row, outbox event, as a
 * PATCH makes them), each round followed by the event stream being numbered and drained as the worker does it — with
 * the audit consumer (an audit_log row per change, the record's name looked up, the summary written) or without it.
 * The audit log has no synchronous part on an update: its cost is the consumer's work per event, paid by the worker.
 * Rounds alternate on/off so load from other processes falls on both alike; medians per update, and their ratio.
 *
 *   npx tsx bench/audit.ts                                          # PGlite in memory
 *   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/audit.ts
 *   ROUNDS=6 PER_ROUND=100 npx tsx bench/audit.ts
 */
import { sql } from "drizzle-orm";
import type { Ctx } from "../src/core/context.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { auditConsumer } from "../src/modules/audit/service.js";
import { signup } from "../src/modules/auth/service.js";
import { createContact, updateContact } from "../src/modules/contacts/service.js";
import { dispatchEvents } from "../src/modules/events/service.js";

const CONTACTS = Number(process.env.CONTACTS ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const PER_ROUND = Number(process.env.PER_ROUND ?? 100);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  const database = await openDatabase(url ? { url } : {});
  await runMigrations(database);
  const db = database.db;
  const p = await signup(db, {
    workspaceName: `Audit bench ${Date.now()}`,
    name: "Bench",
    email: `audit-bench-${Date.now()}@example.com`,
    password: "bench password",
  });
  const ctx: Ctx = { db, workspaceId: p.workspace.id, actor: { kind: "user", userId: p.user.id, role: "admin" } };
  const ids: string[] = [];
  for (let i = 0; i < CONTACTS; i++) ids.push((await createContact(ctx, { firstName: `Audit ${i}`, lastName: "Bench" })).id);
  // Both variants start from a drained stream, the audit cursor at the present.
  await dispatchEvents(db, [auditConsumer], 1000);

  // Per round: the updates (the same work in both variants) and the drain after them, timed apart, per update.
  const times: Record<"on" | "off", { write: number[]; drain: number[]; total: number[] }> = {
    on: { write: [], drain: [], total: [] },
    off: { write: [], drain: [], total: [] },
  };
  const entries = async () =>
    Number((await queryRows<{ n: number }>(db, sql`select count(*)::int as n from audit_log where workspace_id = ${p.workspace.id}`))[0]?.n);
  let step = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
      const before = await entries();
      const start = performance.now();
      for (let i = 0; i < PER_ROUND; i++) {
        step++;
        await updateContact(ctx, ids[step % ids.length] as string, { jobTitle: `Title ${step}` });
      }
      const written = performance.now();
      // Numbering the events happens either way (every consumer needs it); only the audit consumer differs.
      await dispatchEvents(db, variant === "on" ? [auditConsumer] : [], 1000);
      const drained = performance.now();
      times[variant].write.push((written - start) / PER_ROUND);
      times[variant].drain.push((drained - written) / PER_ROUND);
      times[variant].total.push((drained - start) / PER_ROUND);
      const added = (await entries()) - before;
      if (variant === "on" && added !== PER_ROUND) throw new Error(`expected ${PER_ROUND} audit entries, got ${added}`);
      if (variant === "off") {
        if (added !== 0) throw new Error(`the audit consumer ran in the "off" variant (${added} entries)`);
        // Untimed: the off round's events are not the next on round's work.
        await db.execute(sql`update event_consumers set position = (select max(position) from outbox_events) where name = ${auditConsumer.name}`);
      }
    }
  }
  const version = (await queryRows<{ v: string }>(db, sql`select version() as v`))[0]?.v.split(" on ")[0];
  console.log(`${database.kind} (${version}), ${ROUNDS} rounds × ${PER_ROUND} contact updates per variant, stream drained after each round`);
  console.log("| variant | update ms | drain ms per event | total ms per update | total / without |\n|---|--:|--:|--:|--:|");
  const row = (label: string, v: "on" | "off") =>
    `| ${label} | ${median(times[v].write).toFixed(3)} | ${median(times[v].drain).toFixed(3)} | ${median(times[v].total).toFixed(3)} | ${(median(times[v].total) / median(times.off.total)).toFixed(2)} |`;
  console.log(row("without the audit consumer", "off"));
  console.log(row("with the audit consumer", "on"));
  console.log(`drain with ÷ without: ${(median(times.on.drain) / median(times.off.drain)).toFixed(2)}`);
  await database.close();
}

await main();
