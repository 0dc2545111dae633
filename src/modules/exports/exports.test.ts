import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../core/ids.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { contacts } from "../contacts/table.js";
import { neutralise } from "./columns.js";

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("neutralise", () => {
  it("prefixes what a spreadsheet would run as a formula", () => {
    for (const s of ["=1+1", "+49 30", "-2", "@SUM(A1)", "\tx", "\rx"]) expect(neutralise(s)).toBe(`'${s}`);
    for (const s of ["Ann", "a=b", "1-2", ""]) expect(neutralise(s)).toBe(s);
  });
});

describe.each(databaseKinds)("exports on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
    const field = await c.post("/api/v1/custom-fields", { object: "contact", label: "Tier", key: "tier", type: "select", options: ["gold", "silver"] });
    expect(field.statusCode, field.body).toBe(201);
    const acme = (await c.post("/api/v1/companies", { name: "Acme GmbH", domain: "acme.de", employees: 40, annualRevenue: "-1500.50" })).json();
    const people = [
      {
        firstName: "Émilie",
        lastName: "Durand",
        emails: [{ email: "emilie@acme.de" }, { email: "e.d@home.fr", label: "home" }],
        companyId: acme.id,
        tags: ["vip", "paris"],
        custom: { tier: "gold" },
      },
      { firstName: '=HYPERLINK("http://evil")', lastName: "@Evil", jobTitle: "-Boss", phones: [{ phone: "+49 30 901820" }], custom: { tier: "silver" } },
      { firstName: "Zoë", lastName: "Ng", emails: [{ email: "zoe@example.com" }], lifecycleStage: "customer" },
    ];
    for (const p of people) expect((await c.post("/api/v1/contacts", p)).statusCode).toBe(201);
  });
  afterAll(() => t.close());

  it("exports a pipeline's deals with the board's filters as CSV and XLSX, formulas neutralised", async () => {
    const acme = (await c.get("/api/v1/companies?limit=5")).json().data[0];
    const pipeline = (await c.get("/api/v1/pipelines")).json().data[0];
    const other = (
      await c.post("/api/v1/pipelines", {
        name: "Renewals",
        stages: [
          { name: "Upcoming", probability: 50 },
          { name: "Renewed", probability: 100, type: "won" },
        ],
      })
    ).json();
    for (const d of [
      { name: "Acme rollout", amount: "12000", companyId: acme.id, expectedCloseDate: "2026-03-31" },
      { name: "=cmd|' /C calc'!A0", amount: "500" },
      { name: "Tiny", amount: "5" },
      { name: "Acme renewal", amount: "9000", pipelineId: other.id },
    ])
      expect((await c.post("/api/v1/deals", d)).statusCode).toBe(201);
    const res = await c.get(
      `/api/v1/deals/export?${q({ pipelineId: pipeline.id, amountMin: "100", sort: "-amount", columns: "name,stage,amount,company,owner" })}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-disposition"]).toMatch(/filename="deals-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = parse(res.rawPayload.toString("utf8").slice(1)) as string[][];
    expect(rows).toEqual([
      ["Name", "Stage", "Amount", "Company", "Owner"],
      ["Acme rollout", "Qualification", "12000", "Acme GmbH", "Ada Admin"],
      ["'=cmd|' /C calc'!A0", "Qualification", "500", "", "Ada Admin"],
    ]);
    const xlsx = await c.get(`/api/v1/deals/export?${q({ pipelineId: other.id, format: "xlsx" })}`);
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("Deals");
    expect(sheet?.getRow(2).getCell(2).value).toBe("Acme renewal");
    expectProblem(await c.get(`/api/v1/deals/export?${q({ columns: "name,nope" })}`), 400);
  });

  it("exports the view as CSV with BOM, labels, joined lists, custom fields and neutralised formulas", async () => {
    const res = await c.get(
      `/api/v1/contacts/export?${q({ format: "csv", sort: "createdAt", columns: "firstName,lastName,emails,primaryPhone,company,jobTitle,tags,custom.tier,owner" })}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toContain("text/csv");
    expect(res.headers["content-disposition"]).toMatch(/attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.toString("utf8").slice(1)) as string[][];
    expect(rows[0]).toEqual(["First name", "Last name", "All emails", "Phone", "Company", "Job title", "Tags", "Tier", "Owner"]);
    expect(rows.slice(1).map((r) => r[1])).toEqual(["Durand", "'@Evil", "Ng"]);
    expect(rows[1]).toEqual(["Émilie", "Durand", "emilie@acme.de; e.d@home.fr (home)", "", "Acme GmbH", "", "vip; paris", "gold", "Ada Admin"]);
    expect(rows[2]?.[0]).toBe(`'=HYPERLINK("http://evil")`);
    expect(rows[2]?.[3]).toBe("'+4930901820");
    expect(rows[2]?.[5]).toBe("'-Boss");
  });

  it("applies q and filters like the list, and refuses unknown columns and bad filters before streaming", async () => {
    const filter = JSON.stringify([{ field: "custom.tier", op: "eq", value: "gold" }]);
    const res = await c.get(`/api/v1/contacts/export?${q({ filter, columns: "lastName" })}`);
    expect(parse(res.rawPayload.toString("utf8").slice(1))).toEqual([["Last name"], ["Durand"]]);
    const searched = await c.get(`/api/v1/contacts/export?${q({ q: "zoe", columns: "lastName" })}`);
    expect(parse(searched.rawPayload.toString("utf8").slice(1))).toEqual([["Last name"], ["Ng"]]);
    expectProblem(await c.get(`/api/v1/contacts/export?${q({ columns: "lastName,password" })}`), 400, "validation_failed");
    expectProblem(await c.get(`/api/v1/contacts/export?${q({ filter: "[{" })}`), 400, "validation_failed");
    expectProblem(await c.get(`/api/v1/companies/export?${q({ format: "vcf" })}`), 400);
  });

  it("exports XLSX with formula-like values as plain strings and numbers as numbers", async () => {
    const res = await c.get(`/api/v1/contacts/export?${q({ format: "xlsx", sort: "createdAt", columns: "firstName,lastName,createdAt" })}`);
    expect(res.statusCode, res.body).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("Contacts");
    expect(sheet?.getRow(1).values).toEqual([undefined, "First name", "Last name", "Created"]);
    const evil = sheet?.getRow(3).getCell(1);
    expect(evil?.type).toBe(ExcelJS.ValueType.String);
    expect(evil?.value).toBe('=HYPERLINK("http://evil")');
    expect(sheet?.getRow(3).getCell(3).value).toBeInstanceOf(Date);
    expect(sheet?.rowCount).toBe(4);

    const companies = await c.get(`/api/v1/companies/export?${q({ format: "xlsx" })}`);
    const cb = new ExcelJS.Workbook();
    await cb.xlsx.load(companies.rawPayload as unknown as ArrayBuffer);
    const cs = cb.getWorksheet("Companies");
    if (!cs) throw new Error("no Companies sheet");
    const header = (cs.getRow(1).values as string[]).slice(1);
    const row = (cs.getRow(2).values as unknown[]).slice(1);
    expect(row[header.indexOf("Name")]).toBe("Acme GmbH");
    expect(row[header.indexOf("Employees")]).toBe(40);
    expect(row[header.indexOf("Annual revenue")]).toBe(-1500.5);
  });

  it("writes date-times in the workspace's time zone and names the file by its day", async () => {
    const tokyo = await newWorkspace(t.app);
    expect((await tokyo.patch("/api/v1/workspace", { timeZone: "Asia/Tokyo" })).statusCode).toBe(200);
    const made = (await tokyo.post("/api/v1/contacts", { firstName: "Aiko", lastName: "Mori" })).json();
    const created = new Date(made.createdAt);
    const wall = new Date(created.getTime() + 9 * 3_600_000).toISOString().slice(0, -1);
    const csv = await tokyo.get(`/api/v1/contacts/export?${q({ format: "csv", columns: "lastName,createdAt" })}`);
    expect(csv.statusCode, csv.body).toBe(200);
    const rows = parse(csv.rawPayload.toString("utf8").slice(1)) as string[][];
    expect(rows[1]).toEqual(["Mori", `${wall}+09:00`]);
    expect(new Date(rows[1]?.[1] ?? "").getTime()).toBe(created.getTime());
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(new Date());
    expect(csv.headers["content-disposition"]).toBe(`attachment; filename="contacts-${day}.csv"`);
    const xlsx = await tokyo.get(`/api/v1/contacts/export?${q({ format: "xlsx", columns: "lastName,createdAt" })}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    // A spreadsheet date has no zone: the cell reads 9 hours after UTC, as a clock in Tokyo did.
    const cell = wb.getWorksheet("Contacts")?.getRow(2).getCell(2).value;
    expect(cell).toBeInstanceOf(Date);
    expect((cell as Date).toISOString()).toBe(`${wall}Z`);
  });

  it("walks the keyset cursor past one page and keeps the view's order", async () => {
    const ws = await newWorkspace(t.app);
    // Seeded straight into the table: 1,203 API calls would only test the create route again.
    const total = 1203;
    const workspaceId = ws.session.me?.workspace.id as string;
    await t.database.db
      .insert(contacts)
      .values(
        Array.from({ length: total }, (_, i) => ({ workspaceId, id: newId(), firstName: "P", lastName: `N${String(i).padStart(5, "0")}`, searchText: "p" })),
      );
    const res = await ws.get(`/api/v1/contacts/export?${q({ sort: "-lastName", columns: "lastName" })}`);
    const rows = (parse(res.rawPayload.toString("utf8").slice(1)) as string[][]).slice(1).map((r) => r[0]);
    expect(rows.length).toBe(total);
    expect(new Set(rows).size).toBe(total);
    expect(rows[0]).toBe("N01202");
    expect(rows.at(-1)).toBe("N00000");
  });

  it("lets read-only users export, and never shows another workspace's rows", async () => {
    const reader = await userWithRole(t.app, c, "read_only");
    const res = await reader.get(`/api/v1/contacts/export?${q({ columns: "lastName" })}`);
    expect(res.statusCode).toBe(200);
    const other = await newWorkspace(t.app);
    const empty = await other.get(`/api/v1/contacts/export?${q({ columns: "lastName" })}`);
    expect(parse(empty.rawPayload.toString("utf8").slice(1))).toEqual([["Last name"]]);
    const anon = await t.app.inject({ method: "GET", url: "/api/v1/contacts/export" });
    expectProblem(anon, 401);
  });
});
