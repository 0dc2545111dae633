/**
 * The import's flow around the values: what it leaves out (and says so), what it matches before it creates, which
 * uploads count as imports, rows that change nothing, skipped rows, and who owns what it creates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { importTesting } from "./testing.js";

const { haveData, samples, sample, csvRows, upload, uploadOk, runToEnd } = importTesting;
if (!haveData) console.warn(`Skipping dataset-based import flow tests: ${samples} is absent (see ../shared/datasets/README.md).`);

type Row = Record<string, unknown>;
async function all(c: Client, path: string): Promise<Row[]> {
  const out: Row[] = [];
  let cursor: string | null = null;
  do {
    const body = (await c.get(`${path}?limit=200${cursor ? `&cursor=${cursor}` : ""}`)).json() as { data: Row[]; nextCursor: string | null };
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

describe.each(databaseKinds)("import flow on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, importTesting.workerApp);
  });
  afterAll(() => t.close());

  describe.skipIf(!haveData)("a Salesforce Lead export", () => {
    it("lists every column it leaves out, maps lead statuses, and finds the company a Company column names by its Account id", async () => {
      const c = await newWorkspace(t.app);
      const accounts = await uploadOk(t, c, "company", "Account.csv", sample("salesforce_org_export/Account.csv"));
      await runToEnd(c, accounts.import.id, { mapping: accounts.suggestion.mapping, match: "externalId" });
      const companies = await all(c, "/api/v1/companies");

      const file = sample("salesforce_org_export/Lead.csv");
      const leads = csvRows(file);
      const up = await uploadOk(t, c, "contact", "Lead.csv", file);
      expect(up.suggestion.mapping).toMatchObject({ Company: "companyName", Status: "leadStatus", LeadSource: "leadSource" });
      const mapping = up.suggestion.mapping;
      const preview = (await c.post(`/api/v1/imports/${up.import.id}/preview`, { mapping })).json();
      // Nothing ignored without notice: every column without a target is named.
      expect(preview.ignoredColumns).toEqual(up.import.headers.filter((h) => !mapping[h]));
      expect(preview.ignoredColumns).toEqual(expect.arrayContaining(["Salutation", "Rating", "Gender__c", "OwnerId"]));
      // The sample's only rejections are its nine-digit phone numbers, each explained.
      expect(preview.counts.create + preview.counts.reject).toBe(leads.length);
      for (const r of preview.rejected) expect(r.reason).toMatch(/^"\d{9}" is not a valid phone number in US/);

      const job = await runToEnd(c, up.import.id, { mapping });
      expect(job.counts).toMatchObject({ created: preview.counts.create, rejected: preview.counts.reject });
      const contacts = await all(c, "/api/v1/contacts");
      const byEmail = new Map(contacts.map((x) => [x.primaryEmail, x]));
      const rejectedRows = new Set(preview.rejected.map((r: { row: number }) => r.row));
      const statusOf: Record<string, string> = { New: "new", Working: "attempting_contact", Qualified: "qualified" };
      const companyByExternalId = new Map(
        csvRows(sample("salesforce_org_export/Account.csv")).map((a) => [a.Id, companies.find((co) => co.name === a.Name)?.id]),
      );
      for (const [i, lead] of leads.entries()) {
        if (rejectedRows.has(i + 1)) continue;
        const contact = byEmail.get(lead.Email?.toLowerCase() ?? "");
        expect(contact, lead.Email).toBeDefined();
        expect(contact?.leadStatus).toBe(statusOf[lead.Status as string]);
        // The Company column holds an Account id: the account imported first, never a company named "001Ec…".
        expect(contact?.companyId).toBe(companyByExternalId.get(lead.Company as string));
      }
      expect(companies.some((co) => /^001/.test(co.name as string))).toBe(false);
      expect((await all(c, "/api/v1/companies")).length).toBe(companies.length);
    });

    it("says so in the preview before it would create companies named after record ids", async () => {
      const c = await newWorkspace(t.app);
      const up = await uploadOk(t, c, "contact", "Lead.csv", sample("salesforce_org_export/Lead.csv"));
      const off = (await c.post(`/api/v1/imports/${up.import.id}/preview`, { mapping: up.suggestion.mapping })).json();
      expect(off.rejected[0].reason).toMatch(/No company with name or external id "001Ec00000GINb1IAH"/);
      const on = (await c.post(`/api/v1/imports/${up.import.id}/preview`, { mapping: up.suggestion.mapping, createMissingCompanies: true })).json();
      expect(on.companiesToCreate).toBe(1);
      expect(on.warnings).toEqual([
        expect.stringMatching(/1 company to create would be named after values that look like another system's record ids \(“001Ec00000GINb1IAH”\)/),
      ]);
      expect(on.warnings[0]).toMatch(/Column “Company” probably holds ids/);
    });
  });

  it("maps lead statuses as Salesforce and HubSpot write them, and rejects unknown ones with the list", async () => {
    const c = await newWorkspace(t.app);
    const file = [
      "Email,Lead Status",
      "a@x.example,Open - Not Contacted",
      "b@x.example,Working - Contacted",
      "c@x.example,ATTEMPTED_TO_CONTACT",
      "d@x.example,Closed - Not Converted",
      "e@x.example,Maybe",
    ].join("\n");
    const up = await uploadOk(t, c, "contact", "status.csv", file);
    expect(up.suggestion.mapping["Lead Status"]).toBe("leadStatus");
    const job = await runToEnd(c, up.import.id, { mapping: up.suggestion.mapping });
    expect(job.counts).toMatchObject({ created: 4, rejected: 1 });
    const byEmail = new Map((await all(c, "/api/v1/contacts")).map((x) => [x.primaryEmail, x.leadStatus]));
    expect(Object.fromEntries(byEmail)).toEqual({
      "a@x.example": "new",
      "b@x.example": "connected",
      "c@x.example": "attempting_contact",
      "d@x.example": "unqualified",
    });
    const report = (await c.get(`/api/v1/imports/${up.import.id}/errors.csv`)).body;
    expect(report).toContain('""Maybe"" is not a lead status (new, attempting_contact, connected, qualified, unqualified)');
  });

  it("refuses a file with a header and no data rows, saying so", async () => {
    const c = await newWorkspace(t.app);
    const body = expectProblem(await upload(t, c, "contact", "empty.csv", "First Name,Last Name,Email\n\n"), 400, "validation_failed");
    expect(body.detail).toBe("The file has no data rows: only a header (3 columns)");
    expect((await c.get("/api/v1/imports")).json().data).toEqual([]);
  });

  it("lists only imports that ran: previewed, refused and discarded uploads do not linger", async () => {
    const c = await newWorkspace(t.app);
    const previewed = await uploadOk(t, c, "contact", "previewed.csv", "First Name,Email\nAda,ada@example.com\n");
    expect((await c.post(`/api/v1/imports/${previewed.import.id}/preview`, { mapping: previewed.suggestion.mapping })).statusCode).toBe(200);
    const refused = await uploadOk(t, c, "deal", "refused.csv", "Name,Close Date\nBig,03/04/2025\n");
    expectProblem(await c.post(`/api/v1/imports/${refused.import.id}/run`, { mapping: { Name: "name", "Close Date": "closeDate" } }), 400, "validation_failed");
    const ran = await uploadOk(t, c, "contact", "ran.csv", "First Name,Email\nBob,bob@example.com\n");
    await runToEnd(c, ran.import.id, { mapping: ran.suggestion.mapping });
    expect((await c.get("/api/v1/imports")).json().data.map((j: { fileName: string }) => j.fileName)).toEqual(["ran.csv"]);

    // Starting over discards the upload; an import that ran is undone instead.
    expect((await c.del(`/api/v1/imports/${previewed.import.id}`)).statusCode).toBe(204);
    expectProblem(await c.get(`/api/v1/imports/${previewed.import.id}`), 404);
    expectProblem(await c.del(`/api/v1/imports/${ran.import.id}`), 409, "conflict");
    const reader = await userWithRole(t.app, c, "read_only");
    expectProblem(await reader.del(`/api/v1/imports/${refused.import.id}`), 403);
  });

  it("reports rows that change nothing as unchanged, writes nothing for them, and adds no phone twice", async () => {
    const c = await newWorkspace(t.app);
    const rows = Array.from(
      { length: 30 },
      (_, i) => `P${i},Person,p${i}@example.com,+1 212 555 ${String(1000 + i)},Engineer,"vip;tier ${i % 3}",New York,US,Working`,
    );
    const file = `First Name,Last Name,Email,Phone,Title,Tags,City,Country,Lead Status\n${rows.join("\n")}\n`;
    const first = await uploadOk(t, c, "contact", "people.csv", file);
    await runToEnd(c, first.import.id, { mapping: first.suggestion.mapping });
    const before = await all(c, "/api/v1/contacts");

    const again = await uploadOk(t, c, "contact", "people.csv", file.replace("+1 212 555 1000", "(212) 555-1000").replace("P1,Person", "P1,Changed"));
    const options = { mapping: again.suggestion.mapping, onDuplicate: "update" };
    const preview = (await c.post(`/api/v1/imports/${again.import.id}/preview`, options)).json();
    expect(preview.counts).toEqual({ create: 0, update: 1, unchanged: 29, skip: 0, reject: 0 });
    const job = await runToEnd(c, again.import.id, options);
    expect(job.counts).toEqual({ created: 0, updated: 1, unchanged: 29, skipped: 0, rejected: 0 });

    const after = await all(c, "/api/v1/contacts");
    for (const a of after) {
      const b = before.find((x) => x.id === a.id) as Row;
      expect(a.phones, String(a.primaryEmail)).toEqual(b.phones);
      if (a.primaryEmail !== "p1@example.com") expect(a.updatedAt).toBe(b.updatedAt);
    }
    expect(after.find((x) => x.primaryEmail === "p1@example.com")?.lastName).toBe("Changed");
    // Undo restores the one row it changed.
    expect((await c.post(`/api/v1/imports/${again.import.id}/undo`)).statusCode).toBe(200);
    const p1 = (await all(c, "/api/v1/contacts")).find((x) => x.primaryEmail === "p1@example.com");
    expect(p1?.lastName).toBe("Person");

    // Companies and deals too.
    const companies = "Name,Website,Employees,City\nAcme,acme.example,120,Berlin\nGlobex,globex.example,40,Paris\n";
    const co = await uploadOk(t, c, "company", "co.csv", companies);
    await runToEnd(c, co.import.id, { mapping: co.suggestion.mapping });
    const co2 = await uploadOk(t, c, "company", "co.csv", companies.replace("40", "45"));
    expect((await runToEnd(c, co2.import.id, { mapping: co2.suggestion.mapping, onDuplicate: "update" })).counts).toMatchObject({ updated: 1, unchanged: 1 });
    const deals = "Deal ID,Deal Name,Amount,Stage\nD1,Rollout,1200.00,Discovery\nD2,Support,300,Discovery\n";
    const d = await uploadOk(t, c, "deal", "deals.csv", deals);
    expect((await runToEnd(c, d.import.id, { mapping: d.suggestion.mapping })).counts).toMatchObject({ created: 2 });
    const d2 = await uploadOk(t, c, "deal", "deals.csv", deals.replace("1200.00", "1200"));
    const dj = await runToEnd(c, d2.import.id, { mapping: d2.suggestion.mapping, onDuplicate: "update" });
    expect(dj.counts, (await c.get(`/api/v1/imports/${d2.import.id}/errors.csv`)).body).toMatchObject({ updated: 0, unchanged: 2 });
  });

  it("skips duplicates without validating them: a re-import does not reject the rows it leaves alone", async () => {
    const c = await newWorkspace(t.app);
    await c.post("/api/v1/contacts", { firstName: "Ada", emails: [{ email: "ada@example.com" }] });
    const file = "First Name,Email,Phone,Country\nAda,ADA@example.com,12,Narnia\nBob,bob@example.com,12,DE\n";
    const up = await uploadOk(t, c, "contact", "again.csv", file);
    const preview = (await c.post(`/api/v1/imports/${up.import.id}/preview`, { mapping: up.suggestion.mapping, onDuplicate: "skip" })).json();
    expect(preview.counts).toEqual({ create: 0, update: 0, unchanged: 0, skip: 1, reject: 1 });
    expect(preview.rejected.map((r: { row: number }) => r.row)).toEqual([2]);
    const job = await runToEnd(c, up.import.id, { mapping: up.suggestion.mapping, onDuplicate: "skip" });
    expect(job.counts).toMatchObject({ skipped: 1, rejected: 1 });
  });

  it("gives every record it creates an owner: the mapped one, else the importing user", async () => {
    const c = await newWorkspace(t.app);
    const me = c.session.me?.user.id as string;
    const rep = await userWithRole(t.app, c, "sales");
    const repEmail = rep.session.me?.user.email as string;
    const file = `First Name,Email,Company,Owner\nA,a@x.example,Globex,${repEmail}\nB,b@x.example,Initech,\n`;
    const up = await uploadOk(t, c, "contact", "owners.csv", file);
    await runToEnd(c, up.import.id, { mapping: up.suggestion.mapping, createMissingCompanies: true });
    const contacts = new Map((await all(c, "/api/v1/contacts")).map((x) => [x.primaryEmail, x.ownerId]));
    expect(Object.fromEntries(contacts)).toEqual({ "a@x.example": rep.userId, "b@x.example": me });
    const companies = new Map((await all(c, "/api/v1/companies")).map((x) => [x.name, x.ownerId]));
    expect(Object.fromEntries(companies)).toEqual({ Globex: rep.userId, Initech: me });
    const deals = await uploadOk(t, c, "deal", "deals.csv", `Deal Name,Company,Owner\nOne,Umbrella,${repEmail}\nTwo,Hooli,\n`);
    await runToEnd(c, deals.import.id, { mapping: deals.suggestion.mapping, createMissingCompanies: true });
    const owners = Object.fromEntries((await all(c, "/api/v1/companies")).map((x) => [x.name, x.ownerId]));
    expect(owners).toMatchObject({ Umbrella: rep.userId, Hooli: me });
    const dealOwners = Object.fromEntries((await all(c, "/api/v1/deals")).map((x) => [x.name, x.ownerId]));
    expect(dealOwners).toEqual({ One: rep.userId, Two: me });
  });
});
