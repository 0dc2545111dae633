import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { and, eq, sql } from "drizzle-orm";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";
import { suggestMapping } from "./mapping.js";
import { runImportJob, startImport } from "./service.js";
import { imports } from "./table.js";
import { importTesting } from "./testing.js";
import { parseDate, parseNumber, slashDateOrder } from "./values.js";

const { datasets, haveData, samples, sample, csvRows, upload, uploadOk, runToEnd, waitForImport } = importTesting;
if (!haveData) console.warn(`Skipping dataset-based import tests: ${samples} is absent (see ../shared/datasets/README.md).`);

async function allContacts(c: Client) {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res = await c.get(`/api/v1/contacts?limit=200&sort=createdAt${cursor ? `&cursor=${cursor}` : ""}`);
    const body = res.json() as { data: Record<string, unknown>[]; nextCursor: string | null };
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

describe("values", () => {
  it("reads dates in ISO, US, EU and dotted forms, and tells when slash dates are ambiguous", () => {
    expect(parseDate("2024-07-01T11:54:49.95+00:00")).toBe("2024-07-01");
    expect(parseDate("07/15/2009 02:14:45+0800")).toBe("2009-07-15");
    expect(parseDate("15/07/2009")).toBe("2009-07-15");
    expect(parseDate("03/04/2025", "dmy")).toBe("2025-04-03");
    expect(parseDate("03/04/2025", "mdy")).toBe("2025-03-04");
    expect(parseDate("31.12.2024")).toBe("2024-12-31");
    expect(parseDate("02/30/2024")).toBeNull();
    expect(slashDateOrder(["03/04/2025", "01/02/2024"])).toBe("ambiguous");
    expect(slashDateOrder(["03/04/2025", "25/02/2024"])).toBe("dmy");
    expect(slashDateOrder(["2024-01-01"])).toBe("none");
  });
  it("reads numbers with either decimal mark", () => {
    expect(parseNumber("1,234.56")).toBe(1234.56);
    expect(parseNumber("1.234,56")).toBe(1234.56);
    expect(parseNumber("1 234,5")).toBe(1234.5);
    expect(parseNumber("1,5")).toBe(1.5);
    expect(parseNumber("1,234")).toBe(1234);
    expect(parseNumber("1.234.567")).toBe(1234567);
    expect(parseNumber("$1,200")).toBe(1200);
    expect(parseNumber("1.234", "eu")).toBe(1234);
    expect(parseNumber("12abc")).toBeNull();
  });
});

describe.skipIf(!haveData)("mapping suggestions on real export headers", () => {
  const header = (p: string) => (parseCsv(sample(p), { bom: true, to_line: 1 }) as string[][])[0] as string[];
  it("recognises a Salesforce contact export", () => {
    const s = suggestMapping("contact", header("salesforce_org_export/Contact.csv"));
    expect(s.preset).toBe("salesforce");
    expect(s.mapping).toMatchObject({
      Id: "externalId",
      FirstName: "firstName",
      LastName: "lastName",
      Email: "email",
      Phone: "phone",
      MobilePhone: "mobilePhone",
      Title: "jobTitle",
      AccountId: "companyExternalId",
      MailingCity: "city",
      MailingCountry: "country",
      Name: null,
    });
  });
  it("recognises a Salesforce account export", () => {
    const s = suggestMapping("company", header("salesforce_org_export/Account.csv"));
    expect(s.mapping).toMatchObject({
      Id: "externalId",
      Name: "name",
      Website: "domain",
      Industry: "industry",
      NumberOfEmployees: "employees",
      AnnualRevenue: "annualRevenue",
      BillingCountry: "country",
    });
  });
  it("maps Atomic CRM, HubSpot and Pipedrive headers", () => {
    const a = suggestMapping("contact", header("atomic_crm/test-data_contacts.csv"));
    expect(a.mapping).toMatchObject({
      first_name: "firstName",
      last_name: "lastName",
      email_work: "email",
      email_home: "email2",
      phone_work: "phone",
      title: "jobTitle",
      tags: "tags",
      linkedin_url: "linkedin",
      has_newsletter: "emailConsent",
      company_name: "companyName",
    });
    const h = suggestMapping("contact", ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Lifecycle Stage", "Contact owner", "Phone Number"]);
    expect(h.preset).toBe("hubspot");
    expect(h.mapping).toMatchObject({
      "Record ID": "externalId",
      "Company Name": "companyName",
      "Lifecycle Stage": "lifecycleStage",
      "Contact owner": "ownerEmail",
      "Phone Number": "phone",
    });
    const p = suggestMapping("contact", ["Person - Name", "Person - Email - Work", "Person - Organization", "Organization - Name", "Person - Phone - Work"]);
    expect(p.preset).toBe("pipedrive");
    expect(p.mapping).toMatchObject({
      "Person - Name": "fullName",
      "Person - Email - Work": "email",
      "Person - Organization": "companyName",
      "Person - Phone - Work": "phone",
    });
    const g = suggestMapping("contact", ["E-mail", "Email Address", "FirstName", "Surname"]);
    expect(g.mapping).toMatchObject({ "E-mail": "email", "Email Address": null, FirstName: "firstName", Surname: "lastName" });
  });
});

describe.each(databaseKinds)("imports on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, importTesting.workerApp);
  });
  afterAll(() => t.close());

  describe.skipIf(!haveData)("real files", () => {
    it("decodes UTF-8 with BOM, UTF-16 LE/BE with BOM and Windows-1252; refuses UTF-32 files whose BOM lies", async () => {
      const c = await newWorkspace(t.app);
      for (const [file, encoding] of [
        ["csvtext_BOM_UTF8.csv", "utf8"],
        ["csvtext_BOM_UTF16LE.csv", "utf16le"],
        ["csvtext_BOM_UTF16BE.csv", "utf16be"],
      ] as const) {
        const a = await uploadOk(t, c, "contact", file, sample(`salesforce_dataloader/${file}`));
        expect(a.import.encoding).toBe(encoding);
        expect(a.import.headers).toEqual(["column1", "column2", "column3"]);
        expect(a.sample).toEqual([
          ["row1-1", "row1-2", "row1-3"],
          ["row2-1", "row2-2", "row2-3"],
        ]);
      }
      const win = await uploadOk(t, c, "company", "accountData.csv", sample("salesforce_dataloader/accountData.csv"));
      expect(win.import.encoding).toBe("windows-1252");
      const raw = iconv.decode(sample("salesforce_dataloader/accountData.csv"), "win1252");
      const expected = parseCsv(raw, { columns: true }) as Record<string, string>[];
      expect(win.import.headers).toEqual(Object.keys(expected[0] as object));
      for (const file of ["csvtext_BOM_UTF32BE.csv", "csvtext_BOM_UTF32LE.csv"]) {
        const body = expectProblem(await upload(t, c, "contact", file, sample(`salesforce_dataloader/${file}`)), 400, "validation_failed");
        expect(String(body.detail)).toMatch(/^Line 1: this is not readable text/);
      }
    });

    it("keeps escaped quotes and multi-line quoted cells (support tickets) intact", async () => {
      const c = await newWorkspace(t.app);
      const q = await uploadOk(t, c, "company", "quotes.csv", sample("salesforce_dataloader/csvEscapedQuotes.csv"));
      expect(q.sample.map((r) => r[0])).toEqual(['"The Best" Account', 'The "Best" Account']);
      const file = readFileSync(join(datasets, "support_tickets/customer_support_tickets.csv"));
      const expected = csvRows(file);
      const a = await uploadOk(t, c, "contact", "tickets.csv", file);
      const preview = await c.post(`/api/v1/imports/${a.import.id}/preview`, {
        mapping: { "Customer Name": "fullName", "Customer Email": "email" },
        onDuplicate: "skip",
      });
      expect(preview.statusCode, preview.body).toBe(200);
      const p = preview.json();
      // Every ticket is one row, although descriptions span several lines.
      expect(p.totalRows).toBe(expected.length);
      expect(p.counts.create + p.counts.reject + p.counts.skip).toBe(expected.length);
      const distinctEmails = new Set(expected.map((r) => r["Customer Email"]?.toLowerCase())).size;
      expect(p.counts.create).toBe(distinctEmails);
    });

    it("imports a Salesforce org export: accounts, then contacts linked by AccountId, nothing lost or invented", async () => {
      const c = await newWorkspace(t.app);
      const accountsFile = sample("salesforce_org_export/Account.csv");
      const accounts = csvRows(accountsFile);
      const a = await uploadOk(t, c, "company", "Account.csv", accountsFile);
      expect(a.suggestion.preset).toBe("salesforce");
      const mapping = a.suggestion.mapping;
      const prev = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping, match: "externalId" })).json();
      const job = await runToEnd(c, a.import.id, { mapping, match: "externalId" });
      expect(job.counts.created).toBe(prev.counts.create);
      expect(job.counts.created + job.counts.rejected + job.counts.skipped).toBe(accounts.length);
      const companies = (await c.get("/api/v1/companies?limit=200")).json().data as Record<string, unknown>[];
      expect(companies).toHaveLength(job.counts.created);
      // Accounts whose phone cannot be a number at all (8 and 9 digits in the US) are refused, with the reason.
      const badPhone = accounts.filter((r) => r.Phone && r.Phone.replace(/\D/g, "").length !== 10);
      expect(job.counts.rejected).toBe(badPhone.length);
      for (const row of accounts) {
        const found = companies.find((co) => co.name === row.Name);
        expect(Boolean(found), row.Name).toBe(!badPhone.includes(row));
        if (!found) continue;
        expect(found.phone).toBe(row.Phone ? `+1${row.Phone.replace(/\D/g, "")}` : null);
        expect(found.industry).toBe(row.Industry || null);
        expect(found.employees).toBe(row.NumberOfEmployees ? Number(row.NumberOfEmployees) : null);
        if (row.Website) expect(found.domain).toBe(row.Website.toLowerCase().replace(/^www\./, ""));
        if (row.BillingCity) expect((found.address as Record<string, string>).city).toBe(row.BillingCity);
      }

      const contactsFile = sample("salesforce_org_export/Contact.csv");
      const contacts = csvRows(contactsFile);
      const b = await uploadOk(t, c, "contact", "Contact.csv", contactsFile);
      const preview = (await c.post(`/api/v1/imports/${b.import.id}/preview`, { mapping: b.suggestion.mapping, match: "email" })).json();
      const run = await runToEnd(c, b.import.id, { mapping: b.suggestion.mapping, match: "email" });
      // The dry run predicts the run exactly.
      expect(run.counts).toEqual({
        created: preview.counts.create,
        updated: preview.counts.update,
        unchanged: preview.counts.unchanged,
        skipped: preview.counts.skip,
        rejected: preview.counts.reject,
      });
      expect(run.counts.created + run.counts.rejected + run.counts.skipped).toBe(contacts.length);
      const report = await c.get(`/api/v1/imports/${b.import.id}/errors.csv`);
      expect(report.headers["content-type"]).toMatch(/text\/csv/);
      const errors = parseCsv(report.body, { bom: true, columns: true }) as Record<string, string>[];
      expect(errors).toHaveLength(run.counts.rejected);
      for (const e of errors) expect(e.reason).not.toBe("");
      const imported = await allContacts(c);
      expect(imported).toHaveLength(run.counts.created);
      const companyByExt = new Map(accounts.map((r) => [r.Id, r.Name]));
      for (const row of contacts) {
        const found = imported.find((x) => x.primaryEmail === row.Email?.toLowerCase());
        const rejected = errors.find((e) => e.Email === row.Email);
        expect(Boolean(found) !== Boolean(rejected), `row ${row.Email}`).toBe(true);
        if (!found) continue;
        expect(found.firstName).toBe(row.FirstName);
        expect(found.lastName).toBe(row.LastName);
        expect(found.jobTitle).toBe(row.Title || null);
        if (row.AccountId) expect(found.companyName).toBe(companyByExt.get(row.AccountId));
        else expect(found.companyId).toBeNull();
        // Ten-digit numbers in ranges the US plan has not assigned are still kept, in E.164.
        const digits = row.Phone?.replace(/\D/g, "") ?? "";
        if (digits.length === 10) expect((found.phones as { phone: string }[]).map((p) => p.phone)).toContain(`+1${digits}`);
      }
      // Only rows with a number that cannot be a US number at all (this export has 9-digit ones) are refused.
      const impossible = contacts.filter((r) => [r.Phone, r.MobilePhone, r.HomePhone].some((p) => p && p.replace(/\D/g, "").length !== 10));
      // …and those whose account was refused.
      const orphans = contacts.filter((r) => !impossible.includes(r) && badPhone.some((b) => b.Id === r.AccountId));
      expect(run.counts.rejected).toBe(impossible.length + orphans.length);
      for (const e of errors) expect(e.reason).toMatch(/is not a valid phone number in US|^No company with external id "001/);
    });
  });

  it("sniffs semicolons, tabs and pipes, and reads European numbers", async () => {
    const c = await newWorkspace(t.app);
    for (const d of [";", "\t", "|"]) {
      const file = `${["Name", "Website", "Employees", "Annual Revenue"].join(d)}\n${["Müller GmbH", "mueller.de", "1.200", "1.234.567,89"].join(d)}\n`;
      const a = await uploadOk(t, c, "company", "eu.csv", file);
      expect(a.import.delimiter).toBe(d);
      expect(a.sample[0]).toEqual(["Müller GmbH", "mueller.de", "1.200", "1.234.567,89"]);
    }
    const a = await uploadOk(t, c, "company", "eu.csv", "Name;Website;Employees;Annual Revenue\nMüller GmbH;mueller.de;1.200;1.234.567,89\n");
    await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, numberFormat: "eu" });
    const [co] = (await c.get("/api/v1/companies")).json().data;
    expect(co).toMatchObject({ name: "Müller GmbH", domain: "mueller.de", employees: 1200, annualRevenue: "1234567.89" });
  });

  it("reads national phone numbers in the import's country when rows name none, and explains the rest", async () => {
    const c = await newWorkspace(t.app);
    const file = "First Name,Email,Phone\nAda,ada@example.com,(415) 555-0132\nBo,bo@example.com,12345\n";
    const a = await uploadOk(t, c, "contact", "people.csv", file);
    const without = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping })).json();
    expect(without.counts.reject).toBe(2);
    expect(without.rejected[0].reason).toMatch(/add its country code or map a Country column/);
    const us = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping, defaultCountry: "us" })).json();
    expect(us.counts).toMatchObject({ create: 1, reject: 1 });
    const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, defaultCountry: "US" });
    expect(job.counts).toMatchObject({ created: 1, rejected: 1 });
    const [ada] = await allContacts(c);
    expect(ada?.phones).toEqual([expect.objectContaining({ phone: "+14155550132" })]);
    expectProblem(await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping, defaultCountry: "USA" }), 400);
  });

  it("reports malformed files with their line numbers instead of importing garbage", async () => {
    const c = await newWorkspace(t.app);
    const binary = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 37) % 256));
    expectProblem(await upload(t, c, "contact", "garbage.csv", binary), 400, "validation_failed");
    expectProblem(await upload(t, c, "contact", "empty.csv", ""), 400, "validation_failed");
    const unbalanced = expectProblem(
      await upload(t, c, "contact", "quotes.csv", 'First Name,Email\nAda,ada@example.com\nBob,"bob@example.com\nCy,cy@example.com\n'),
      400,
    );
    expect(unbalanced.detail).toBe("Line 3: a quoted value that starts in this row is never closed (unbalanced quotes)");
    // Past the first rows, the dry run finds it.
    const rows = Array.from({ length: 20_000 }, (_, i) => `P${i},p${i}@example.com`);
    rows.splice(15_000, 0, 'Bad,"bad@example.com');
    const a = await uploadOk(t, c, "contact", "late.csv", `First Name,Email\n${rows.join("\n")}\n`);
    const body = expectProblem(await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping }), 400, "validation_failed");
    expect(body.detail).toBe("Line 15002: a quoted value that starts in this row is never closed (unbalanced quotes)");
    const b = await uploadOk(
      t,
      c,
      "contact",
      "columns.csv",
      "First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nBob,Smith,bob@example.com,extra,values\nCy,cy@example.com\n",
    );
    const p = (await c.post(`/api/v1/imports/${b.import.id}/preview`, { mapping: b.suggestion.mapping })).json();
    expect(p.counts).toEqual({ create: 1, update: 0, unchanged: 0, skip: 0, reject: 2 });
    expect(p.rejected.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [3, expect.stringMatching(/has 5 values but the header has 3 columns/)],
      [4, expect.stringMatching(/has 2 values but the header has 3 columns/)],
    ]);
  });

  it("applies the duplicate policy, and undo restores updated fields and removes created records", async () => {
    const c = await newWorkspace(t.app);
    const existing = (
      await c.post("/api/v1/contacts", { firstName: "Ada", lastName: "Old", jobTitle: "Analyst", emails: [{ email: "ada@example.com" }] })
    ).json();
    const file = "First Name,Last Name,Email,Title\nAda,Lovelace,ADA@example.com,Countess\nBob,Smith,bob@example.com,Engineer\nBob,Again,bob@example.com,Dup\n";
    const skip = await uploadOk(t, c, "contact", "a.csv", file);
    const ps = (await c.post(`/api/v1/imports/${skip.import.id}/preview`, { mapping: skip.suggestion.mapping, onDuplicate: "skip" })).json();
    expect(ps.counts).toEqual({ create: 1, update: 0, unchanged: 0, skip: 1, reject: 1 });
    expect(ps.rejected[0].reason).toMatch(/Same email as row 2/);
    const pc = (await c.post(`/api/v1/imports/${skip.import.id}/preview`, { mapping: skip.suggestion.mapping, onDuplicate: "create" })).json();
    expect(pc.counts).toEqual({ create: 3, update: 0, unchanged: 0, skip: 0, reject: 0 });

    const job = await runToEnd(c, skip.import.id, { mapping: skip.suggestion.mapping, onDuplicate: "update" });
    expect(job.counts).toEqual({ created: 1, updated: 1, unchanged: 0, skipped: 0, rejected: 1 });
    const ada = (await c.get(`/api/v1/contacts/${existing.id}`)).json();
    expect(ada).toMatchObject({ lastName: "Lovelace", jobTitle: "Countess", primaryEmail: "ada@example.com" });
    expect(ada.emails).toHaveLength(1);
    const undo = await c.post(`/api/v1/imports/${skip.import.id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect(undo.json().status).toBe("undone");
    const after = (await c.get(`/api/v1/contacts/${existing.id}`)).json();
    expect(after).toMatchObject({ lastName: "Old", jobTitle: "Analyst" });
    const live = (await c.get("/api/v1/contacts")).json().data;
    expect(live.map((x: { id: string }) => x.id)).toEqual([existing.id]);
    expectProblem(await c.post(`/api/v1/imports/${skip.import.id}/undo`), 409, "conflict");
  });

  it("resolves companies and owners, reports the unresolved, and creates missing companies only when asked", async () => {
    const c = await newWorkspace(t.app);
    await c.post("/api/v1/companies", { name: "Acme Corp", domain: "acme.example" });
    const owner = c.session.me?.user.email as string;
    const file = `First Name,Email,Company,Owner\nA,a@x.example,acme corp,${owner}\nB,b@x.example,Globex,${owner}\nC,c@x.example,Globex,nobody@example.com\nD,d@x.example,Initech,\n`;
    const a = await uploadOk(t, c, "contact", "rel.csv", file);
    expect(a.suggestion.mapping).toMatchObject({ Company: "companyName", Owner: "ownerEmail" });
    const off = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping })).json();
    expect(off.counts).toEqual({ create: 1, update: 0, unchanged: 0, skip: 0, reject: 3 });
    expect(off.rejected.map((r: { reason: string }) => r.reason)).toEqual([
      expect.stringMatching(/No company with name "Globex"/),
      expect.stringMatching(/Owner "nobody@example.com" is not a user/),
      expect.stringMatching(/No company with name "Initech"/),
    ]);
    const on = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping, createMissingCompanies: true })).json();
    expect(on.counts).toEqual({ create: 3, update: 0, unchanged: 0, skip: 0, reject: 1 });
    expect(on.companiesToCreate).toBe(2);
    const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, createMissingCompanies: true });
    expect(job.companiesCreated).toBe(2);
    const contacts = await allContacts(c);
    expect(Object.fromEntries(contacts.map((x) => [x.firstName, x.companyName]))).toEqual({ A: "Acme Corp", B: "Globex", D: "Initech" });
    expect(contacts.every((x) => x.ownerId === c.session.me?.user.id)).toBe(true);
    expect((await c.get("/api/v1/companies")).json().data).toHaveLength(3);
    await c.post(`/api/v1/imports/${a.import.id}/undo`);
    expect((await c.get("/api/v1/companies")).json().data.map((x: { name: string }) => x.name)).toEqual(["Acme Corp"]);
  });

  it("reads XLSX with dates and numbers, creates consented custom fields, and needs a date order when ambiguous", async () => {
    const c = await newWorkspace(t.app);
    await c.post("/api/v1/custom-fields", { object: "contact", label: "Signed", key: "signed", type: "date" });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("People");
    ws.addRow(["First Name", "Email", "Signed", "Shoe size", "Favourite colour"]);
    ws.addRow(["Ada", "ada@example.com", "03/04/2025", 42.5, "green"]);
    ws.addRow(["Bob", "bob@example.com", new Date(Date.UTC(2024, 0, 31)), 44, ""]);
    const path = join(tmpdir(), `import-test-${Date.now()}.xlsx`);
    await wb.xlsx.writeFile(path);
    const a = await uploadOk(t, c, "contact", "people.xlsx", readFileSync(path));
    expect(a.import).toMatchObject({ headers: ["First Name", "Email", "Signed", "Shoe size", "Favourite colour"] });
    const mapping = { ...a.suggestion.mapping, Signed: "custom.signed", "Shoe size": "new_custom", "Favourite colour": "new_custom" };
    const prev = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping })).json();
    expect(prev.dateOrder).toBe("ambiguous");
    expect(prev.warnings[0]).toMatch(/Choose how to read this column/);
    expectProblem(await c.post(`/api/v1/imports/${a.import.id}/run`, { mapping }), 400, "validation_failed");
    await runToEnd(c, a.import.id, { mapping, dateFormat: "dmy" });
    const fields = (await c.get("/api/v1/custom-fields?object=contact")).json();
    const list = (Array.isArray(fields) ? fields : fields.data) as { key: string; label: string; type: string }[];
    expect(list.map((f) => [f.label, f.type])).toEqual(
      expect.arrayContaining([
        ["Shoe size", "text"],
        ["Favourite colour", "text"],
      ]),
    );
    const shoe = list.find((f) => f.label === "Shoe size")?.key as string;
    const colour = list.find((f) => f.label === "Favourite colour")?.key as string;
    const people = await allContacts(c);
    expect(people.map((p) => [p.firstName, p.custom])).toEqual([
      ["Ada", { signed: "2025-04-03", [shoe]: "42.5", [colour]: "green" }],
      ["Bob", { signed: "2024-01-31", [shoe]: "44" }],
    ]);
  });

  it("resumes an interrupted run after its last committed batch without duplicating rows", async () => {
    const c = await newWorkspace(t.app);
    const lines = ["First Name,Last Name,Email"];
    for (let i = 1; i <= 2500; i++) lines.push(`P${i},Person,p${i}@example.com`);
    const a = await uploadOk(t, c, "contact", "big.csv", `${lines.join("\n")}\n`);
    const me = c.session.me as { user: { id: string; role: "admin" }; workspace: { id: string } };
    const ctx: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    // Started without a job (so this app's worker stays out of it), then run as the job's last attempt would be,
    // which "dies" right after the first batch commits.
    let queued: Parameters<typeof runImportJob>[1] | undefined;
    await startImport(
      ctx,
      a.import.id,
      {
        mapping: a.suggestion.mapping,
        onDuplicate: "skip",
        dateFormat: "auto",
        numberFormat: "auto",
        createMissingCompanies: false,
        createMissingStages: false,
        activityType: "note",
      },
      async (_tx, data) => {
        queued = data;
      },
    );
    if (!queued) throw new Error("startImport enqueued nothing");
    await expect(
      runImportJob(t.database.db, queued, {
        final: true,
        afterBatch: () => {
          throw new Error("simulated crash");
        },
      }),
    ).rejects.toThrow("simulated crash");
    const crashed = (await c.get(`/api/v1/imports/${a.import.id}`)).json();
    expect(crashed).toMatchObject({ status: "failed", lastRow: 1000, canResume: true, counts: { created: 1000 } });
    const res = await c.post(`/api/v1/imports/${a.import.id}/resume`);
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitForImport(c, a.import.id);
    expect(done).toMatchObject({ status: "completed", lastRow: 2500, counts: { created: 2500, rejected: 0, skipped: 0 } });
    const emails = (await allContacts(c)).map((x) => x.primaryEmail);
    expect(new Set(emails).size).toBe(2500);
    const list = (await c.get("/api/v1/imports")).json().data;
    expect(list[0].id).toBe(a.import.id);
  });

  it("tells a run whose process died from one still going by its heartbeat, and resumes the dead one at once", async () => {
    const c = await newWorkspace(t.app);
    const a = await uploadOk(t, c, "contact", "stale.csv", "First Name,Email\nSia,sia@example.com\nSol,sol@example.com\n");
    const me = c.session.me as { user: { id: string; role: "admin" }; workspace: { id: string } };
    const ctx: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    // Marked running with no job behind it: as a worker leaves it when its process is killed mid-run.
    const options = { mapping: a.suggestion.mapping, onDuplicate: "skip", dateFormat: "auto", numberFormat: "auto" } as const;
    await startImport(ctx, a.import.id, { ...options, createMissingCompanies: false, createMissingStages: false, activityType: "note" }, async () => {});
    const beat = (secondsAgo: number) =>
      t.database.db
        .update(imports)
        .set({ heartbeatAt: sql`now() - make_interval(secs => ${secondsAgo})` })
        .where(and(eq(imports.workspaceId, me.workspace.id), eq(imports.id, a.import.id)));
    // A heartbeat 10 s ago: still running, and not to be resumed twice.
    await beat(10);
    expect((await c.get(`/api/v1/imports/${a.import.id}`)).json()).toMatchObject({ status: "running" });
    expectProblem(await c.post(`/api/v1/imports/${a.import.id}/resume`), 409, "conflict");
    // Silent for two minutes: interrupted straight away, without waiting for a restart to notice.
    await beat(120);
    expect((await c.get(`/api/v1/imports/${a.import.id}`)).json()).toMatchObject({ status: "interrupted", canResume: true });
    const resumed = await c.post(`/api/v1/imports/${a.import.id}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(202);
    expect(await waitForImport(c, a.import.id)).toMatchObject({ status: "completed", counts: { created: 2 } });
  });

  it("saves mappings per workspace and keeps imports to their workspace", async () => {
    const c = await newWorkspace(t.app);
    const other = await newWorkspace(t.app);
    const saved = await c.post("/api/v1/imports/mappings", { object: "contact", name: "Our CRM", mapping: { Mail: "email", Vorname: "firstName", X: null } });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().mapping).toEqual({ Mail: "email", Vorname: "firstName" });
    expect((await other.get("/api/v1/imports/mappings")).json().data).toEqual([]);
    const a = await uploadOk(t, c, "contact", "m.csv", "Vorname,Mail\nAda,ada@example.com\n");
    expect((await c.get(`/api/v1/imports/${a.import.id}/analysis`)).json().savedMappings.map((m: { name: string }) => m.name)).toEqual(["Our CRM"]);
    expectProblem(await other.get(`/api/v1/imports/${a.import.id}`), 404, "not_found");
    expectProblem(await other.post(`/api/v1/imports/${a.import.id}/run`, { mapping: { Mail: "email" } }), 404, "not_found");
    expectProblem(await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: { Nope: "email" } }), 400, "validation_failed");
  });
});
