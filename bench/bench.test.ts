// Keeps the instrument from rotting: seeds a tiny workspace (which also checks the seeded rows against the
// app's own searchText, phone and email rules) and runs a few scenarios for a second each; runs the import and
// its two COPY yardsticks on a 300-row file.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runIo } from "./lib/io.js";
import { parseScale, scaleLabel } from "./lib/scale.js";
import { misspell, runBench } from "./run.js";

describe("bench helpers", () => {
  it("parses scales with suffixes", () => {
    expect(parseScale("200")).toBe(200);
    expect(parseScale("10k")).toBe(10_000);
    expect(parseScale("1.5m")).toBe(1_500_000);
    expect(parseScale("1m")).toBe(1_000_000);
    expect(() => parseScale("lots")).toThrow(/scale/);
    expect(scaleLabel(100_000)).toBe("100k");
    expect(scaleLabel(1_000_000)).toBe("1m");
  });

  it("misspells by one letter, never the first", () => {
    let seed = 1;
    const r = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 50; i++) {
      const m = misspell("Kowalczyk", r);
      expect(m[0]).toBe("K");
      expect(Math.abs(m.length - 9)).toBeLessThanOrEqual(1);
    }
    expect(misspell("Li", r)).toBe("Li");
  });
});

describe("bench smoke run", () => {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("seeds a tiny workspace and measures a few scenarios with only 2xx answers", async () => {
    const out = join(dir, "RESULTS.md");
    const [run] = await runBench({
      scale: 200,
      databases: ["pglite"],
      dataDir: join(dir, "pglite"),
      duration: 1,
      warmup: 0,
      connections: 4,
      runs: 1,
      only: ["contacts.get", "contacts.list.recent", "search.typo", "deals.board", "forecast.owner"],
      resultsDir: join(dir, "results"),
      out,
      quiet: true,
    });
    expect(run).toBeDefined();
    const names = run?.scenarios.map((s) => s.name) ?? [];
    expect(names).toEqual(
      expect.arrayContaining(["contacts.get", "contacts.list.recent", "search.typo", "deals.board", "forecast.owner", "bare.get", "bare.list"]),
    );
    for (const s of run?.scenarios ?? []) {
      expect(s.median.requests, s.name).toBeGreaterThan(0);
      expect(s.median.rps, s.name).toBeGreaterThan(0);
      expect(s.median.p50, s.name).toBeGreaterThan(0);
      expect(s.median.p99, s.name).toBeGreaterThanOrEqual(s.median.p95);
      expect(s.median.non2xx, `${s.name}: ${s.runs[0]?.failures.join(" | ")}`).toBe(0);
      expect(s.median.errors, s.name).toBe(0);
    }
    expect(run?.scenarios.find((s) => s.name === "contacts.get")?.ratio).toBeGreaterThan(0);
    expect(run?.tables.find((t) => t.table === "contacts")?.rows).toBeGreaterThan(0);
    expect(run?.tables.find((t) => t.table === "deals")?.rows).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, "utf8")).toContain("`contacts.get`");
  });
});

describe("bench file tasks", () => {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-io-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("imports the bench CSV, and COPYs it into a text table and into contacts, leaving no rows behind", async () => {
    const file = join(dir, "contacts.csv");
    execFileSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "import-contacts-gen.ts"), file, "300"]);
    const dataDir = join(dir, "pglite");
    const copy = await runIo({ task: "copy", dataDir, file });
    const copyContacts = await runIo({ task: "copy-contacts", dataDir, file });
    const imported = await runIo({ task: "import", dataDir, file });
    expect([copy.rows, copyContacts.rows, imported.rows]).toEqual([300, 300, 300]);
    expect(imported.detail).toBe("completed: 300 created, 0 rejected");
    for (const r of [copy, copyContacts, imported]) expect(r.rowsPerSecond, r.task).toBeGreaterThan(0);
    const database = await openDatabase({ dataDir });
    try {
      const left = await queryRows<{ contacts: number; scratch: string | null }>(
        database.db,
        sql`select (select count(*)::int from contacts) as contacts, to_regclass('bench_copy_scratch')::text as scratch`,
      );
      expect(left).toEqual([{ contacts: 0, scratch: null }]);
    } finally {
      await database.close();
    }
  });
});
