import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { datasets, uploadOk, waitForImport, workerApp } from "../imports/testing.js";

const file = join(datasets, "marketing_campaigns", "marketing_campaign.csv");
const haveDataset = existsSync(file);
if (!haveDataset) console.warn(`Skipping the marketing-campaign segment test: ${file} is absent (the shared datasets folder is not mounted).`);

describe.skipIf(!haveDataset).each(databaseKinds)("segments over the marketing-campaign dataset on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let rows: Record<string, string>[];
  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
    admin = await newWorkspace(t.app);
    rows = parseCsv(readFileSync(file), { bom: true, columns: true, delimiter: "\t" }) as Record<string, string>[];
  });
  afterAll(() => t?.close());

  it("imports the file as contacts with custom fields, and segment counts equal the counts of the file", async () => {
    for (const [key, label, type] of [
      ["education", "Education", "text"],
      ["marital_status", "Marital status", "text"],
      ["income", "Income", "number"],
      ["year_birth", "Year of birth", "number"],
      ["recency_days", "Days since last purchase", "number"],
      ["accepted_cmp1", "Accepted campaign 1", "number"],
      ["response", "Responded to last campaign", "number"],
      ["wines", "Spent on wine", "number"],
    ] as const) {
      const res = await admin.post("/api/v1/custom-fields", { object: "contact", key, label, type });
      expect(res.statusCode, res.body).toBe(201);
    }
    // The file names no one: each row's ID becomes the contact's name. Tab-separated.
    const analysis = await uploadOk(t, admin, "contact", "marketing_campaign.csv", readFileSync(file));
    expect(analysis.import.delimiter).toBe("\t");
    const mapping: Record<string, string | null> = Object.fromEntries(analysis.import.headers.map((h) => [h, null]));
    Object.assign(mapping, {
      ID: "lastName",
      Education: "custom.education",
      Marital_Status: "custom.marital_status",
      Income: "custom.income",
      Year_Birth: "custom.year_birth",
      Recency: "custom.recency_days",
      AcceptedCmp1: "custom.accepted_cmp1",
      Response: "custom.response",
      MntWines: "custom.wines",
    });
    const run = await admin.post(`/api/v1/imports/${analysis.import.id}/run`, { mapping, match: "none" });
    expect(run.statusCode, run.body).toBe(202);
    const job = await waitForImport(admin, analysis.import.id, 1_800_000);
    expect(job.status, job.error).toBe("completed");
    expect(job.counts.created).toBe(rows.length);

    const num = (v: string | undefined) => (v === undefined || v.trim() === "" ? Number.NaN : Number(v));
    const cases: { condition: unknown; expected: number }[] = [
      {
        condition: {
          all: [
            { field: "custom.education", op: "eq", value: "PhD" },
            { field: "custom.income", op: "gt", value: 50000 },
          ],
        },
        expected: rows.filter((r) => r.Education === "PhD" && num(r.Income) > 50000).length,
      },
      { condition: { all: [{ field: "custom.accepted_cmp1", op: "eq", value: 1 }] }, expected: rows.filter((r) => r.AcceptedCmp1 === "1").length },
      { condition: { all: [{ field: "custom.response", op: "eq", value: 1 }] }, expected: rows.filter((r) => r.Response === "1").length },
      {
        condition: {
          any: [
            { field: "custom.marital_status", op: "in", value: ["Married", "Together"] },
            {
              all: [
                { field: "custom.year_birth", op: "lt", value: 1960 },
                { field: "custom.wines", op: "gte", value: 500 },
              ],
            },
          ],
        },
        expected: rows.filter((r) => ["Married", "Together"].includes(r.Marital_Status as string) || (num(r.Year_Birth) < 1960 && num(r.MntWines) >= 500))
          .length,
      },
      { condition: { all: [{ field: "custom.income", op: "empty" }] }, expected: rows.filter((r) => Number.isNaN(num(r.Income))).length },
      {
        condition: { all: [{ field: "custom.recency_days", op: "between", value: [10, 20] }] },
        expected: rows.filter((r) => num(r.Recency) >= 10 && num(r.Recency) <= 20).length,
      },
    ];
    for (const { condition, expected } of cases) {
      expect(expected).toBeGreaterThan(0);
      const preview = await admin.post("/api/v1/segments/preview", { condition });
      expect(preview.statusCode, preview.body).toBe(200);
      expect(preview.json().count, JSON.stringify(condition)).toBe(expected);
    }
    const saved = await admin.post("/api/v1/segments", { name: "PhD, income over 50k", kind: "dynamic", condition: cases[0]?.condition });
    expect(saved.json().count).toBe(cases[0]?.expected);
    const list = await admin.get(`/api/v1/contacts/count?segment=${saved.json().id}`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().count).toBe(cases[0]?.expected);
  });
});
