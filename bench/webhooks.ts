// Webhook deliveries per second to a receiver on loopback, against a baseline measured in the same run: plain POSTs
// of the same bodies, through the same HTTP client (src/modules/webhooks/delivery.ts `postJson`), at the same
// concurrency as the delivery queue, with no signing, no database and no job queue. The ratio is what the delivery
// pipeline costs on top of the HTTP itself: fan-out by the event consumer (a delivery row per endpoint and event, a
// job per record), one pg-boss job per record, the Standard Webhooks signature, the attempt log and status updates.
//
//   npx tsx bench/webhooks.ts                                   # PGlite in memory
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/webhooks.ts
//   npx tsx bench/webhooks.ts --events 2000 --runs 3
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { systemActor } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { openDatabase } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { queueSpecs } from "../src/jobs/system.js";
import { recordChanges } from "../src/modules/history/service.js";
import { postJson } from "../src/modules/webhooks/delivery.js";
import { buildApp } from "../src/server/app.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    out: { type: "string", default: "" },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const spec = queueSpecs["webhooks.deliver"];
const CONCURRENCY = spec.concurrency * (spec.batchSize ?? 1);

// The receiver: reads the body, answers 204. Both measurements hit the same one.
let hits = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    hits++;
    res.writeHead(204);
    res.end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const app = await buildApp({ database, logLevel: "warn", jobs: { worker: true, pollingIntervalSeconds: 0.5 } });
await app.ready();
const signup = await app.inject({
  method: "POST",
  url: "/api/v1/auth/signup",
  payload: { workspaceName: `Webhook bench ${Date.now()}`, name: "Bench", email: `bench-${Date.now()}@example.com`, password: "rapport-bench-password" },
});
const cookie = `rapport_session=${signup.cookies.find((c) => c.name === "rapport_session")?.value}`;
const workspaceId = (signup.json() as { workspace: { id: string } }).workspace.id;
const call = (method: "POST" | "PATCH", path: string, body: unknown) =>
  app.inject({ method, url: path, headers: { cookie, "content-type": "application/json" }, payload: JSON.stringify(body) });
await call("PATCH", "/api/v1/webhooks/settings", { allowPrivateTargets: true });
const created = await call("POST", "/api/v1/webhooks", { url: target, eventTypes: ["contact.created"] });
if (created.statusCode !== 201) throw new Error(`create webhook: ${created.body}`);
const endpointId = (created.json() as { id: string }).id;

const ctx = { db: database.db, workspaceId, actor: systemActor };
const countDone = async () => {
  const rows = await database.db.execute(
    sql`select count(*)::int as n from webhook_deliveries where workspace_id = ${workspaceId} and endpoint_id = ${endpointId} and status = 'succeeded'`,
  );
  return Number((rows as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
};

const countAll = async () => {
  const rows = await database.db.execute(
    sql`select count(*)::int as n from webhook_deliveries where workspace_id = ${workspaceId} and endpoint_id = ${endpointId}`,
  );
  return Number((rows as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
};

/** N contact.created events (distinct records, so per-record order serialises nothing) in one transaction, then waits for every delivery. */
async function webhookRun(): Promise<{ seconds: number; perSecond: number; bodies: string[] }> {
  const before = await countDone();
  const beforeAll = await countAll();
  const hitsBefore = hits;
  const started = performance.now();
  await database.db.transaction(async (tx) => {
    const records = Array.from({ length: EVENTS }, (_, i) => {
      const id = newId();
      return {
        object: "contact" as const,
        recordId: id,
        action: "create" as const,
        changes: [{ field: "firstName", from: null, to: `Bench ${i}` }],
        payload: { id, firstName: `Bench ${i}`, lastName: "Contact", emails: [{ email: `bench${i}@example.com` }], tags: ["bench"], custom: {} },
      };
    });
    await recordChanges(tx, ctx, records);
  });
  let fannedOut = 0;
  for (;;) {
    if (!fannedOut && (await countAll()) - beforeAll >= EVENTS) fannedOut = (performance.now() - started) / 1000;
    if ((await countDone()) - before >= EVENTS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write(`  fan-out (a delivery row and a job per event) done after ${fannedOut.toFixed(2)} s\n`);
  const seconds = (performance.now() - started) / 1000;
  if (hits - hitsBefore < EVENTS) throw new Error(`receiver saw ${hits - hitsBefore} of ${EVENTS}`);
  const rows = await database.db.execute(
    sql`select body from webhook_deliveries where workspace_id = ${workspaceId} and endpoint_id = ${endpointId} order by created_at desc limit ${EVENTS}`,
  );
  const bodies = (rows as unknown as { rows: { body: string }[] }).rows.map((r) => r.body);
  return { seconds, perSecond: EVENTS / seconds, bodies };
}

/** The same bodies POSTed by the same client at the queue's concurrency. */
async function baselineRun(bodies: string[]): Promise<{ seconds: number; perSecond: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const res = await postJson(target, {}, bodies[i] as string, { allowPrivate: true });
        if (res.status !== 204) throw new Error(`baseline POST: ${res.status ?? res.error}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: bodies.length / seconds };
}

const runs: { webhooks: number; baseline: number; ratio: number; webhookSeconds: number; baselineSeconds: number }[] = [];
for (let r = 0; r < RUNS; r++) {
  const w = await webhookRun();
  const b = await baselineRun(w.bodies);
  runs.push({ webhooks: w.perSecond, baseline: b.perSecond, ratio: w.perSecond / b.perSecond, webhookSeconds: w.seconds, baselineSeconds: b.seconds });
  process.stdout.write(
    `run ${r + 1}: webhooks ${w.perSecond.toFixed(0)}/s (${w.seconds.toFixed(2)} s), plain POSTs ${b.perSecond.toFixed(0)}/s (${b.seconds.toFixed(2)} s), ratio ${(w.perSecond / b.perSecond).toFixed(3)}\n`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const result = {
  database: database.kind,
  events: EVENTS,
  concurrency: CONCURRENCY,
  runs,
  median: { webhooks: median(runs.map((r) => r.webhooks)), baseline: median(runs.map((r) => r.baseline)), ratio: median(runs.map((r) => r.ratio)) },
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", load: loadavg()[0], node: process.version },
  at: new Date().toISOString(),
};
process.stdout.write(
  `median: webhooks ${result.median.webhooks.toFixed(0)}/s, plain POSTs ${result.median.baseline.toFixed(0)}/s, ratio ${result.median.ratio.toFixed(3)}\n`,
);
if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
await app.close();
await database.close();
receiver.close();
