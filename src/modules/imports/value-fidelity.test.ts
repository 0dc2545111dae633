/** The import keeps what the file says: dates in the column's own order, phones with extensions, the primary email and phone, every number. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";
import { suggestMapping } from "./mapping.js";
import { importTesting } from "./testing.js";
import { parseNumber, SlashDateOrder } from "./values.js";

const { datasets, haveData, samples, sample, csvRows, uploadOk, runToEnd } = importTesting;
const marketing = join(datasets, "marketing_campaigns", "marketing_campaign.csv");
if (!haveData) console.warn(`Skipping dataset-based value tests: ${samples} is absent (see ../shared/datasets/README.md).`);

type Phone = { phone: string; extension?: string; label?: string; primary: boolean };
type Email = { email: string; label?: string; primary: boolean };

async function everyRecord(c: Client, object: "contacts" | "companies" | "deals") {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const body = (await c.get(`/api/v1/${object}?limit=200${cursor ? `&cursor=${cursor}` : ""}`)).json() as {
      data: Record<string, unknown>[];
      nextCursor: string | null;
    };
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

/** "04-09-2012" in day-month order → "2012-09-04". */
const dmyIso = (v: string) => {
  const [d, m, y] = v.split(/[-/]/) as [string, string, string];
  return `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
};

describe("value readers", () => {
  it("reads scientific notation as numbers", () => {
    expect(parseNumber("6.0E7")).toBe(60_000_000);
    expect(parseNumber("8.48E10")).toBe(84_800_000_000);
    expect(parseNumber("6E2")).toBe(600);
    expect(parseNumber("1.5e-3")).toBe(0.0015);
    expect(parseNumber("6,0E7", "eu")).toBe(60_000_000);
    expect(parseNumber("6,0E7", "en")).toBeNull();
    expect(parseNumber("E10")).toBeNull();
  });
  it("decides a column's date order from all its values", () => {
    const o = new SlashDateOrder();
    for (const v of ["04/09/2012", "08/03/2014", "21/08/2013"]) o.add(v);
    expect(o.order).toBe("dmy");
    const same = new SlashDateOrder();
    same.add("05/05/2025");
    expect(same.order).toBe("none");
    const both = new SlashDateOrder();
    for (const v of ["25/02/2024", "02/25/2024"]) both.add(v);
    expect(both.order).toBe("conflict");
  });
  it("suggests every email and phone column of an Atomic CRM export, a third phone included", () => {
    const headers = ["first_name", "email_work", "email_home", "email_other", "phone_work", "phone_home", "phone_other"];
    expect(suggestMapping("contact", headers).mapping).toMatchObject({
      email_work: "email",
      email_home: "email2",
      email_other: "email3",
      phone_work: "phone",
      phone_home: "phone2",
      phone_other: "phone3",
    });
  });
});

describe.each(databaseKinds)("import value fidelity on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, importTesting.workerApp);
  });
  afterAll(() => t.close());

  it("reads a day/month column in day/month order, every date of it, close dates and activity dates alike", async () => {
    const c = await newWorkspace(t.app);
    await c.post("/api/v1/custom-fields", { object: "deal", label: "Signed", key: "signed", type: "date" });
    const deals = "Deal Name,Amount,Close Date,Signed\nA,100,25/12/2024,01/02/2024\nB,200,03/04/2025,13/02/2024\nC,300,12/11/2025,\n";
    const a = await uploadOk(t, c, "deal", "deals.csv", deals);
    const mapping = { ...a.suggestion.mapping, Signed: "custom.signed" };
    const preview = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping })).json();
    expect(preview.dateColumns).toEqual([
      { header: "Close Date", detected: "dmy", order: "dmy", example: "03/04/2025" },
      { header: "Signed", detected: "dmy", order: "dmy", example: "01/02/2024" },
    ]);
    expect(preview.warnings).toEqual([]);
    await runToEnd(c, a.import.id, { mapping });
    const stored = (await everyRecord(c, "deals")).map((d) => [d.name, d.expectedCloseDate, (d.custom as Record<string, unknown>).signed ?? null]);
    expect(stored.sort()).toEqual([
      ["A", "2024-12-25", "2024-02-01"],
      ["B", "2025-04-03", "2024-02-13"],
      ["C", "2025-11-12", null],
    ]);

    const dealB = (await everyRecord(c, "deals")).find((d) => d.name === "B") as { id: string };
    const notes = "Subject,Date,Deal\nCall back,13/01/2025 09:30,B\nDemo,02/03/2025 14:00,B\n";
    const b = await uploadOk(t, c, "activity", "notes.csv", notes);
    expect(b.suggestion.mapping).toMatchObject({ Date: "date", Deal: "dealName" });
    await runToEnd(c, b.import.id, { mapping: b.suggestion.mapping });
    const timeline = (
      (await c.get(`/api/v1/deals/${dealB.id}/timeline?limit=50`)).json().data as { activity?: { subject: string; occurredAt: string } }[]
    ).flatMap((e) => (e.activity ? [e.activity] : []));
    expect(Object.fromEntries(timeline.map((x) => [x.subject, x.occurredAt]))).toMatchObject({
      "Call back": "2025-01-13T09:30:00.000Z",
      Demo: "2025-03-02T14:00:00.000Z",
    });
  });

  it("asks for the order of a column whose dates fit both, per column, and never guesses", async () => {
    const c = await newWorkspace(t.app);
    const file = "Deal Name,Close Date,Created\nA,03/04/2025,2024-01-02\nB,01/02/2025,2024-01-03\n";
    const a = await uploadOk(t, c, "deal", "ambiguous.csv", file);
    const mapping = a.suggestion.mapping;
    expect(mapping).toMatchObject({ "Close Date": "closeDate" });
    const preview = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping })).json();
    expect(preview.dateColumns).toEqual([{ header: "Close Date", detected: "ambiguous", order: null, example: "03/04/2025" }]);
    expect(preview.warnings).toEqual([
      'Column "Close Date": dates such as 03/04/2025 could be month/day or day/month. Choose how to read this column before importing.',
    ]);
    const refused = expectProblem(await c.post(`/api/v1/imports/${a.import.id}/run`, { mapping }), 400, "validation_failed");
    expect(refused.errors).toEqual([{ path: "columnDateFormats.Close Date", message: "Dates such as 03/04/2025 could be month/day or day/month" }]);
    expect((await everyRecord(c, "deals")).length).toBe(0);
    const chosen = { mapping, columnDateFormats: { "Close Date": "dmy" } };
    const again = (await c.post(`/api/v1/imports/${a.import.id}/preview`, chosen)).json();
    expect(again.dateColumns[0]).toMatchObject({ header: "Close Date", order: "dmy" });
    expect(again.warnings).toEqual([]);
    const job = await runToEnd(c, a.import.id, chosen);
    expect(job.options.columnDateFormats).toEqual({ "Close Date": "dmy" });
    const stored = (await everyRecord(c, "deals")).map((d) => [d.name, d.expectedCloseDate]);
    expect(stored.sort()).toEqual([
      ["A", "2025-04-03"],
      ["B", "2025-02-01"],
    ]);
  });

  it("rejects the dates that contradict the chosen order instead of swapping them", async () => {
    const c = await newWorkspace(t.app);
    const file = "Deal Name,Close Date\nA,25/02/2024\nB,02/25/2024\nC,03/04/2024\n";
    const a = await uploadOk(t, c, "deal", "mixed.csv", file);
    const preview = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: a.suggestion.mapping })).json();
    expect(preview.dateColumns[0]).toMatchObject({ detected: "conflict", order: null });
    expect(preview.warnings[0]).toMatch(/mixes date orders/);
    expectProblem(await c.post(`/api/v1/imports/${a.import.id}/run`, { mapping: a.suggestion.mapping }), 400, "validation_failed");
    const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, dateFormat: "dmy" });
    expect(job.counts).toMatchObject({ created: 2, rejected: 1 });
    const errors = (await c.get(`/api/v1/imports/${a.import.id}/errors.csv`)).body;
    expect(errors).toContain('Close Date: ""02/25/2024"" is not a date in day/month/year order');
  });

  it("keeps a company's phone and the extensions of company and contact phones", async () => {
    const c = await newWorkspace(t.app);
    const a = await uploadOk(t, c, "company", "co.csv", "Name,Phone\nAcme,1-365-756-9410 x4781\nGlobex,(415) 555-0132\n");
    const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, match: "name", defaultCountry: "US" });
    expect(job.counts.created).toBe(2);
    const companies = await everyRecord(c, "companies");
    expect(companies.map((co) => [co.name, co.phone, co.phoneExtension]).sort()).toEqual([
      ["Acme", "+13657569410", "4781"],
      ["Globex", "+14155550132", null],
    ]);

    const b = await uploadOk(t, c, "contact", "people.csv", "First Name,Email,Phone\nAda,ada@example.com,(628) 774-3169 ext. 3406\n");
    await runToEnd(c, b.import.id, { mapping: b.suggestion.mapping, defaultCountry: "US" });
    const [ada] = await everyRecord(c, "contacts");
    expect(ada?.phones).toEqual([{ phone: "+16287743169", extension: "3406", primary: true }]);
    expect(ada?.primaryPhone).toBe("+16287743169");
    // Exports write the extension back, so a round trip keeps it.
    const contactsCsv = (await c.get("/api/v1/contacts/export?format=csv&columns=primaryPhone,phones")).body;
    expect(contactsCsv).toContain("+16287743169 ext. 3406");
    const companiesCsv = (await c.get("/api/v1/companies/export?format=csv&columns=name,phone")).body;
    expect(companiesCsv).toContain("+13657569410 ext. 4781");
  });

  it("keeps an extension typed into the contact and company forms, and drops it when the number loses it", async () => {
    const c = await newWorkspace(t.app);
    const made = await c.post("/api/v1/contacts", { firstName: "Bo", phones: [{ phone: "+1 415 555 0132 x12" }] });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().phones).toEqual([{ phone: "+14155550132", extension: "12", primary: true }]);
    const typed = await c.post("/api/v1/contacts", { firstName: "Cy", phones: [{ phone: "+1 415 555 0199", extension: "7" }] });
    expect(typed.json().phones).toEqual([{ phone: "+14155550199", extension: "7", primary: true }]);
    expectProblem(await c.post("/api/v1/contacts", { firstName: "Di", phones: [{ phone: "+1 415 555 0199", extension: "seven" }] }), 400, "validation_failed");

    const co = await c.post("/api/v1/companies", { name: "Initech", phone: "+1 415 555 0100 ext. 45" });
    expect(co.statusCode, co.body).toBe(201);
    expect(co.json()).toMatchObject({ phone: "+14155550100", phoneExtension: "45" });
    const id = co.json().id as string;
    const patched = await c.patch(`/api/v1/companies/${id}`, { phone: "+14155550100" });
    expect(patched.json()).toMatchObject({ phone: "+14155550100", phoneExtension: null });
    const cleared = await c.patch(`/api/v1/companies/${id}`, { phone: "+14155550100 x9" });
    expect(cleared.json()).toMatchObject({ phoneExtension: "9" });
    expect((await c.patch(`/api/v1/companies/${id}`, { phone: null })).json()).toMatchObject({ phone: null, phoneExtension: null });
  });

  it("makes the first email and phone column in file order primary, or the one the mapping names, also from a saved mapping", async () => {
    const c = await newWorkspace(t.app);
    // jsonb sorts keys by length, then bytes: "email_home" before "email_work", "mobile" before "phone_work".
    const file = "first_name,email_work,email_home,phone_work,mobile\nAda,ada@work.example,ada@home.example,+1 415 555 0101,+1 415 555 0102\n";
    const mapping = { first_name: "firstName", email_work: "email", email_home: "email2", phone_work: "phone", mobile: "mobilePhone" };
    const a = await uploadOk(t, c, "contact", "people.csv", file);
    await runToEnd(c, a.import.id, { mapping });
    const [ada] = await everyRecord(c, "contacts");
    expect(ada?.primaryEmail).toBe("ada@work.example");
    expect(ada?.emails).toEqual([
      { email: "ada@work.example", primary: true },
      { email: "ada@home.example", label: "home", primary: false },
    ]);
    expect(ada?.primaryPhone).toBe("+14155550101");
    expect(((ada as Record<string, unknown>).phones as Phone[]).map((p) => [p.phone, p.label ?? null, p.primary])).toEqual([
      ["+14155550101", null, true],
      ["+14155550102", "mobile", false],
    ]);

    const primary = { email: "email_home", phone: "mobile" };
    const saved = await c.post("/api/v1/imports/mappings", { object: "contact", name: "Home first", mapping, primary });
    expect(saved.statusCode, saved.body).toBe(201);
    const listed = (await c.get("/api/v1/imports/mappings?object=contact")).json().data as { mapping: Record<string, string>; primary: unknown }[];
    expect(listed[0]).toMatchObject({ mapping, primary });
    expectProblem(
      await c.post("/api/v1/imports/mappings", { object: "contact", name: "Wrong", mapping, primary: { email: "first_name" } }),
      400,
      "validation_failed",
    );

    const b = await uploadOk(t, c, "contact", "people2.csv", file.replace(/ada/g, "bo").replace("Ada", "Bo").replace(/010/g, "020"));
    const analysis = (await c.get(`/api/v1/imports/${b.import.id}/analysis`)).json();
    const reuse = analysis.savedMappings.find((m: { name: string }) => m.name === "Home first");
    expectProblem(await c.post(`/api/v1/imports/${b.import.id}/preview`, { mapping, primary: { phone: "email_home" } }), 400, "validation_failed");
    await runToEnd(c, b.import.id, { mapping: reuse.mapping, primary: reuse.primary });
    const bo = (await everyRecord(c, "contacts")).find((x) => x.firstName === "Bo");
    expect(bo?.primaryEmail).toBe("bo@home.example");
    expect(bo?.primaryPhone).toBe("+14155550202");
    // Still in file order: the choice moves the flag, not the entries.
    expect(((bo as Record<string, unknown>).emails as Email[]).map((e) => [e.email, e.primary])).toEqual([
      ["bo@work.example", false],
      ["bo@home.example", true],
    ]);
  });

  it("maps several columns to emails and phones, beyond one per label", async () => {
    const c = await newWorkspace(t.app);
    const file =
      "Name,Work,Direct,Mobile,Home,Other,Fax\nAda Byron,+1 415 555 0101,+1 415 555 0102,+1 415 555 0103,+1 415 555 0104,+1 415 555 0105,+1 415 555 0106\n";
    const a = await uploadOk(t, c, "contact", "phones.csv", file);
    const mapping = { Name: "fullName", Work: "phone", Direct: "phone", Mobile: "mobilePhone", Home: "phone2", Other: "phone3", Fax: "phone3" };
    await runToEnd(c, a.import.id, { mapping, match: "none" });
    const [ada] = await everyRecord(c, "contacts");
    expect(((ada as Record<string, unknown>).phones as Phone[]).map((p) => [p.phone.slice(-4), p.label ?? null])).toEqual([
      ["0101", null],
      ["0102", null],
      ["0103", "mobile"],
      ["0104", "home"],
      ["0105", "other"],
      ["0106", "other"],
    ]);
    // The same email or number in two columns is one entry, not a row rejected as "listed twice".
    const twice = await uploadOk(
      t,
      c,
      "contact",
      "twice.csv",
      "Name,Work email,Other email,Phone,Other phone\nBo Bell,bo@work.example,BO@work.example,+1 415 555 0107,(415) 555-0107\n",
    );
    const tj = await runToEnd(c, twice.import.id, {
      mapping: { Name: "fullName", "Work email": "email", "Other email": "email3", Phone: "phone", "Other phone": "phone3" },
      primary: { email: "Other email", phone: "Other phone" },
      defaultCountry: "US",
    });
    expect(tj.counts).toMatchObject({ created: 1, rejected: 0 });
    const bo = (await everyRecord(c, "contacts")).find((x) => x.firstName === "Bo") as Record<string, unknown>;
    expect(bo.emails).toEqual([{ email: "bo@work.example", primary: true }]);
    expect(bo.phones).toEqual([{ phone: "+14155550107", primary: true }]);
    // Only emails and phones take several columns.
    expectProblem(
      await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping: { ...mapping, Fax: "jobTitle", Other: "jobTitle" } }),
      400,
      "validation_failed",
    );
  });

  describe.skipIf(!haveData)("real files", () => {
    it("imports Atomic CRM's 500 contacts with every email and phone, extensions included, field by field", async () => {
      const c = await newWorkspace(t.app);
      const file = sample("atomic_crm/test-data_contacts.csv");
      const rows = csvRows(file);
      const a = await uploadOk(t, c, "contact", "test-data_contacts.csv", file);
      expect(a.suggestion.mapping).toMatchObject({ phone_work: "phone", phone_home: "phone2", phone_other: "phone3" });
      // company_id points at Atomic's own companies: link by name, creating them.
      const mapping = { ...a.suggestion.mapping, company_id: null };
      const job = await runToEnd(c, a.import.id, { mapping, match: "none", defaultCountry: "US", createMissingCompanies: true });
      const contacts = await everyRecord(c, "contacts");
      expect(job.counts.created).toBe(contacts.length);
      const report = (await c.get(`/api/v1/imports/${a.import.id}/errors.csv`)).body;
      let withExtension = 0;
      let checked = 0;
      for (const row of rows) {
        const emails = [row.email_work, row.email_home, row.email_other].filter(Boolean).map((e) => e?.toLowerCase());
        const namesake = contacts.filter((x) => x.firstName === row.first_name && x.lastName === row.last_name);
        const found = namesake.find((x) => JSON.stringify((x.emails as Email[]).map((e) => e.email)) === JSON.stringify(emails)) ?? namesake[0];
        if (!found) {
          expect(report).toContain(row.first_name);
          continue;
        }
        checked++;
        expect((found.emails as Email[]).map((e) => e.email)).toEqual(emails);
        if (emails.length) expect(found.primaryEmail).toBe(emails[0]);
        const phones = [row.phone_work, row.phone_home, row.phone_other].filter((p): p is string => Boolean(p));
        const stored = found.phones as Phone[];
        expect(stored).toHaveLength(phones.length);
        phones.forEach((p, i) => {
          const ext = p.match(/ x(\d+)$/)?.[1];
          const digits = p.replace(/ x\d+$/, "").replace(/\D/g, "");
          expect(stored[i]?.phone).toBe(`+1${digits.slice(-10)}`);
          expect(stored[i]?.extension).toBe(ext);
          if (ext) withExtension++;
        });
        if (phones.length) expect(stored[0]?.primary).toBe(true);
      }
      expect(checked).toBe(job.counts.created);
      expect(job.counts.created).toBeGreaterThan(450);
      expect(withExtension).toBeGreaterThan(300);
    });

    it("reads Salesforce's scientific-notation revenues and keeps account phones (Data Loader accountData.csv)", async () => {
      const c = await newWorkspace(t.app);
      const file = sample("salesforce_dataloader/accountData.csv");
      const rows = csvRows(Buffer.from(iconv.decode(file, "windows-1252")));
      const a = await uploadOk(t, c, "company", "accountData.csv", file);
      expect(a.suggestion.mapping).toMatchObject({ PHONE: "phone", ANNUALREVENUE: "annualRevenue" });
      const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping, match: "none", defaultCountry: "US" });
      const companies = await everyRecord(c, "companies");
      expect(companies).toHaveLength(job.counts.created);
      expect(job.counts.created + job.counts.rejected).toBe(rows.length);
      const byName = new Map(companies.map((co) => [co.name, co]));
      let phones = 0;
      for (const row of rows) {
        const co = byName.get(row.NAME as string);
        if (!co) continue;
        if (row.ANNUALREVENUE) expect(Number(co.annualRevenue)).toBe(Number(row.ANNUALREVENUE));
        if (row.PHONE) {
          expect(co.phone).toBe(`+1${row.PHONE.replace(/\D/g, "")}`);
          phones++;
        } else expect(co.phone).toBeNull();
      }
      expect(Number(byName.get("salesforce.com")?.annualRevenue)).toBe(60_000_000);
      expect(Number(byName.get("Acme")?.annualRevenue)).toBe(84_800_000_000);
      expect(phones).toBeGreaterThan(0);
    });

    it("reads the marketing campaign's day-month customer dates in day-month order, all 2,240 of them", async () => {
      const c = await newWorkspace(t.app);
      await c.post("/api/v1/custom-fields", { object: "company", label: "Customer since", key: "since", type: "date" });
      await c.post("/api/v1/custom-fields", { object: "company", label: "Income", key: "income", type: "number" });
      const file = readFileSync(marketing);
      const rows = csvRows(Buffer.from(file.toString("utf8").replace(/\t/g, ",")));
      const a = await uploadOk(t, c, "company", "marketing_campaign.csv", file);
      const mapping = Object.fromEntries(a.import.headers.map((h) => [h, null as string | null]));
      Object.assign(mapping, { ID: "name", Dt_Customer: "custom.since", Income: "custom.income" });
      const preview = (await c.post(`/api/v1/imports/${a.import.id}/preview`, { mapping, match: "none" })).json();
      expect(preview.dateColumns).toEqual([{ header: "Dt_Customer", detected: "dmy", order: "dmy", example: expect.any(String) }]);
      const job = await runToEnd(c, a.import.id, { mapping, match: "none" });
      expect(job.counts).toMatchObject({ created: rows.length, rejected: 0 });
      const byName = new Map((await everyRecord(c, "companies")).map((co) => [co.name, co.custom as Record<string, unknown>]));
      let lowDays = 0;
      for (const row of rows) {
        const custom = byName.get(row.ID as string);
        expect(custom?.since, row.ID).toBe(dmyIso(row.Dt_Customer as string));
        if (Number((row.Dt_Customer as string).slice(0, 2)) <= 12) lowDays++;
        expect(custom?.income ?? null).toBe(row.Income ? Number(row.Income) : null);
      }
      // The dates a value-by-value reading swapped.
      expect(lowDays).toBeGreaterThan(500);
    });
  });
});
