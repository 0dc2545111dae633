/** Importing deals and activities: stages, relations by external id, email or name, rejections with reasons, undo. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";
import { suggestMapping } from "./mapping.js";
import { csvRows, haveData, runToEnd, sample, samples, uploadOk, workerApp } from "./testing.js";

if (!haveData) console.warn(`Skipping the Salesforce deal and task import test: ${samples} is absent (see ../shared/datasets/README.md).`);

type Deal = Record<string, unknown> & { name: string; amount: string | null; stageName: string; status: string; companyName: string | null };

async function allDeals(c: Client, query = ""): Promise<Deal[]> {
  const out: Deal[] = [];
  let cursor: string | null = null;
  do {
    const res = await c.get(`/api/v1/deals?limit=200${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { data: Deal[]; nextCursor: string | null };
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

async function allTasks(c: Client): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res = await c.get(`/api/v1/tasks?assignee=all&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { data: Record<string, unknown>[]; nextCursor: string | null };
    out.push(...body.data);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

describe("deal and activity mappings", () => {
  it("recognise Salesforce opportunity and task exports", () => {
    const deal = suggestMapping("deal", ["Id", "AccountId", "Name", "StageName", "Amount", "Probability", "CloseDate", "OwnerId", "IsWon"]);
    expect(deal.preset).toBe("salesforce");
    expect(deal.mapping).toMatchObject({
      Id: "externalId",
      AccountId: "companyExternalId",
      Name: "name",
      StageName: "stage",
      Amount: "amount",
      CloseDate: "closeDate",
      OwnerId: null,
    });
    const task = suggestMapping("activity", ["Id", "WhoId", "WhatId", "Subject", "ActivityDate", "Status", "Priority", "TaskSubtype", "CallDurationInSeconds"]);
    expect(task.mapping).toMatchObject({
      WhoId: "contactExternalId",
      WhatId: "relatedExternalId",
      Subject: "subject",
      ActivityDate: "date",
      TaskSubtype: "type",
      CallDurationInSeconds: "durationSeconds",
    });
  });

  it("recognise Pipedrive deal and activity exports", () => {
    const deal = suggestMapping("deal", ["Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Stage", "Deal - Organization", "Deal - Owner"]);
    expect(deal.preset).toBe("pipedrive");
    expect(deal.mapping).toMatchObject({ "Deal - Title": "name", "Deal - Value": "amount", "Deal - Stage": "stage", "Deal - Organization": "companyName" });
    const act = suggestMapping("activity", ["Activity - Subject", "Activity - Type", "Activity - Due date", "Activity - Done", "Activity - Deal"]);
    expect(act.mapping).toMatchObject({ "Activity - Type": "type", "Activity - Due date": "date", "Activity - Done": "status", "Activity - Deal": "dealName" });
  });
});

describe.each(databaseKinds)("deal and activity imports on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
  });
  afterAll(() => t.close());

  describe.skipIf(!haveData)("a Salesforce org export", () => {
    it("imports opportunities onto their accounts and tasks onto their contacts; nothing lost, invented or unexplained; undo", async () => {
      const c = await newWorkspace(t.app);
      const accounts = csvRows(sample("salesforce_org_export/Account.csv"));
      const a = await uploadOk(t, c, "company", "Account.csv", sample("salesforce_org_export/Account.csv"));
      // Three accounts have phones no country can dial (imports.test.ts covers them): left out here so every account lands.
      await runToEnd(c, a.import.id, { mapping: { ...a.suggestion.mapping, Phone: null }, match: "externalId" });
      const contactRows = csvRows(sample("salesforce_org_export/Contact.csv"));
      const b = await uploadOk(t, c, "contact", "Contact.csv", sample("salesforce_org_export/Contact.csv"));
      await runToEnd(c, b.import.id, { mapping: b.suggestion.mapping, match: "email" });
      const importedContacts = (await c.get("/api/v1/contacts?limit=200")).json().data as { id: string }[];
      // Contacts the contact import rejected (their reasons are in its report) cannot carry tasks.
      const contactErrors = csvRows(Buffer.from((await c.get(`/api/v1/imports/${b.import.id}/errors.csv`)).body));
      const rejectedContacts = new Set(contactErrors.map((e) => e.Id));
      const landed = new Set(contactRows.map((r) => r.Id ?? "").filter((id) => id && !rejectedContacts.has(id)));

      // Opportunities: the default pipeline lacks "Proposal/Quote", and lost ones give no reason.
      const oppFile = sample("salesforce_org_export/Opportunity.csv");
      const opps = csvRows(oppFile);
      const d = await uploadOk(t, c, "deal", "Opportunity.csv", oppFile);
      expect(d.suggestion.preset).toBe("salesforce");
      const mapping = d.suggestion.mapping;
      const strict = (await c.post(`/api/v1/imports/${d.import.id}/preview`, { mapping })).json();
      const proposal = opps.filter((o) => o.StageName === "Proposal/Quote").length;
      const lost = opps.filter((o) => o.StageName === "Closed Lost").length;
      expect(strict.counts).toEqual({ create: opps.length - proposal - lost, update: 0, unchanged: 0, skip: 0, reject: proposal + lost });
      expect(strict.rejected.map((r: { reason: string }) => r.reason)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('Stage "Proposal/Quote" is not in pipeline "Sales"'),
          expect.stringContaining('"Lost" is a lost stage and the row gives no lost reason'),
        ]),
      );

      const options = { mapping, createMissingStages: true, defaultLostReason: "Other" };
      const preview = (await c.post(`/api/v1/imports/${d.import.id}/preview`, options)).json();
      expect(preview.counts).toEqual({ create: opps.length, update: 0, unchanged: 0, skip: 0, reject: 0 });
      expect(preview.stagesToCreate).toEqual(["Sales: Proposal/Quote"]);
      const run = await runToEnd(c, d.import.id, options);
      expect(run.counts).toEqual({ created: opps.length, updated: 0, unchanged: 0, skipped: 0, rejected: 0 });

      const pipeline = (await c.get("/api/v1/pipelines")).json().data[0] as { stages: { name: string; type: string; probability: number }[] };
      expect(pipeline.stages.map((s) => s.name)).toEqual(["Qualification", "Discovery", "Proposal", "Negotiation", "Proposal/Quote", "Won", "Lost"]);
      expect(pipeline.stages.find((s) => s.name === "Proposal/Quote")?.probability).toBe(
        Number(opps.find((o) => o.StageName === "Proposal/Quote")?.Probability),
      );

      const deals = await allDeals(c);
      expect(deals).toHaveLength(opps.length);
      const accountName = new Map(accounts.map((r) => [r.Id, r.Name]));
      const stageOf: Record<string, string> = { "Closed Won": "Won", "Closed Lost": "Lost" };
      for (const o of opps) {
        const deal = deals.find((x) => x.name === o.Name);
        expect(deal, o.Name).toBeDefined();
        expect(Number(deal?.amount)).toBeCloseTo(Number(o.Amount), 2);
        expect(deal?.stageName).toBe(stageOf[o.StageName ?? ""] ?? o.StageName);
        expect(deal?.companyName).toBe(accountName.get(o.AccountId) ?? null);
        expect(deal?.expectedCloseDate).toBe(o.CloseDate);
        // A closed deal closed when the file says, not on the day of the import.
        if (o.StageName === "Closed Won") expect(String(deal?.closedAt).slice(0, 10)).toBe(o.CloseDate);
        if (o.StageName === "Closed Lost") expect(deal?.lostReason).toBe("Other");
      }

      // Tasks: WhoId names contacts (003…) and leads (00Q…, not imported here), WhatId accounts.
      const taskFile = sample("salesforce_org_export/Task.csv");
      const rows = csvRows(taskFile);
      const ta = await uploadOk(t, c, "activity", "Task.csv", taskFile);
      const tp = (await c.post(`/api/v1/imports/${ta.import.id}/preview`, { mapping: ta.suggestion.mapping })).json();
      const leadRows = rows.filter((r) => !landed.has(r.WhoId ?? ""));
      expect(leadRows.filter((r) => r.WhoId?.startsWith("00Q")).length).toBeGreaterThan(0);
      expect(tp.counts.reject).toBe(leadRows.length);
      for (const r of tp.rejected) expect(r.reason).toMatch(/No contact with external id "00[3Q]/);
      const tr = await runToEnd(c, ta.import.id, { mapping: ta.suggestion.mapping });
      expect(tr.counts).toEqual({ created: rows.length - leadRows.length, updated: 0, unchanged: 0, skipped: 0, rejected: leadRows.length });
      const tasks = await allTasks(c);
      expect(tasks).toHaveLength(tr.counts.created);
      const contactIds = new Set(importedContacts.map((x) => x.id));
      for (const r of rows.filter((x) => landed.has(x.WhoId ?? ""))) {
        const task = tasks.find((x) => x.title === r.Subject && String(x.dueAt).startsWith(r.ActivityDate ?? "-"));
        expect(task, `${r.Id} ${r.Subject}`).toBeDefined();
        expect(task?.status).toBe("open");
        expect(task?.priority).toBe("normal");
        const related = task?.related as { object: string; id: string } | undefined;
        expect(related?.object).toBe("contact");
        expect(contactIds.has(related?.id ?? "")).toBe(true);
      }
      // Re-importing the same file skips what is there (matched on the external id), and creates nothing new.
      const again = await uploadOk(t, c, "activity", "Task.csv", taskFile);
      const ap = (await c.post(`/api/v1/imports/${again.import.id}/preview`, { mapping: again.suggestion.mapping })).json();
      expect(ap.counts).toMatchObject({ create: 0, skip: rows.length - leadRows.length });

      // Undo: tasks deleted, deals to the trash; the stage the import added stays (it is the admin's to remove).
      expect((await c.post(`/api/v1/imports/${ta.import.id}/undo`)).statusCode).toBe(200);
      expect(await allTasks(c)).toHaveLength(0);
      expect((await c.post(`/api/v1/imports/${d.import.id}/undo`)).statusCode).toBe(200);
      expect(await allDeals(c)).toHaveLength(0);
      expect(await allDeals(c, "&trashed=true")).toHaveLength(opps.length);
    });
  });

  it("puts calls, emails, meetings and notes on the timelines of contacts, companies and deals; explains every rejected row", async () => {
    const c = await newWorkspace(t.app);
    const me = (c.session.me as { user: { email: string; name: string } }).user;
    const company = (await c.post("/api/v1/companies", { name: "Globex", domain: "globex.example" })).json();
    const contact = (
      await c.post("/api/v1/contacts", { firstName: "Ada", lastName: "Byron", emails: [{ email: "ada@globex.example" }], companyId: company.id })
    ).json();
    const deal = (await c.post("/api/v1/deals", { name: "Globex renewal", companyId: company.id })).json();
    const csv = [
      "Id,Type,Subject,Notes,Date,Contact email,Company,Deal,Duration,Direction,Outcome,Owner",
      `a1,Call,Intro call,Talked budget,2025-03-04 14:30,ada@globex.example,,,00:12:30,Outgoing,Left voicemail,${me.email}`,
      "a2,Email,Proposal sent,<p>Hi <script>alert(1)</script>Ada</p>,2025-03-05T09:00:00+01:00,ada@globex.example,,,,outbound,,",
      "a3,Meeting,Kick-off,,03/06/2025 10:00 AM,,Globex,,01:00,,,",
      "a4,Note,,Prefers email,2025-03-07,,,Globex renewal,,,,",
      `a5,Task,Send contract,,2025-03-20,,,Globex renewal,,,,${me.name}`,
      "a6,Fax,Old habit,,2025-03-08,ada@globex.example,,,,,,",
      "a7,Call,Who?,,2025-03-09,nobody@nowhere.example,,,,,,",
      "a8,Note,Undated,,,ada@globex.example,,,,,,",
      "a9,Note,Floating,,2025-03-10,,,,,,,",
      "a10,Call,Wrong owner,,2025-03-11,ada@globex.example,,,,,,ghost@nowhere.example",
    ].join("\n");
    const up = await uploadOk(t, c, "activity", "activities.csv", csv);
    const mapping = { ...up.suggestion.mapping, Date: "date", Deal: "dealName", Company: "companyName", Duration: "durationMinutes" };
    expect(up.suggestion.mapping).toMatchObject({
      Id: "externalId",
      Type: "type",
      Subject: "subject",
      Notes: "body",
      "Contact email": "contactEmail",
      Owner: "ownerEmail",
    });
    const options = { mapping, dateFormat: "mdy" };
    const preview = (await c.post(`/api/v1/imports/${up.import.id}/preview`, options)).json();
    expect(preview.counts).toEqual({ create: 5, update: 0, unchanged: 0, skip: 0, reject: 5 });
    const reasons = Object.fromEntries(preview.rejected.map((r: { row: number; reason: string }) => [r.row, r.reason]));
    expect(reasons[6]).toMatch(/"Fax" is not an activity type/);
    expect(reasons[7]).toMatch(/No contact with email "nobody@nowhere.example"/);
    expect(reasons[8]).toMatch(/No date/);
    expect(reasons[9]).toMatch(/Nothing to file it on/);
    expect(reasons[10]).toMatch(/Owner "ghost@nowhere.example" is not a user/);
    const run = await runToEnd(c, up.import.id, options);
    expect(run.counts).toEqual({ created: 5, updated: 0, unchanged: 0, skipped: 0, rejected: 5 });

    type Entry = {
      kind: string;
      activity?: { type: string; subject: string | null; body: string | null; occurredAt: string; details: Record<string, unknown>; dealId: string | null };
    };
    const timelineOf = async (path: string) =>
      ((await c.get(`/api/v1/${path}/timeline?limit=200`)).json().data as Entry[]).filter((e) => e.kind === "activity").map((e) => e.activity);
    const onContact = await timelineOf(`contacts/${contact.id}`);
    expect(onContact.map((a) => a?.subject).sort()).toEqual(["Intro call", "Proposal sent"]);
    const call = onContact.find((a) => a?.type === "call");
    expect(call?.occurredAt).toBe("2025-03-04T14:30:00.000Z");
    expect(call?.details).toEqual({ direction: "outbound", durationSeconds: 750, outcome: "left_voicemail" });
    const email = onContact.find((a) => a?.type === "email");
    expect(email?.occurredAt).toBe("2025-03-05T08:00:00.000Z");
    expect(email?.body).not.toContain("script");
    // The company sees its contact's interactions, the meeting filed on it, and the deal's note.
    const onCompany = await timelineOf(`companies/${company.id}`);
    expect(onCompany.map((a) => a?.subject ?? a?.body).sort()).toEqual(["Intro call", "Kick-off", "Prefers email", "Proposal sent"]);
    const meeting = onCompany.find((a) => a?.type === "meeting");
    expect(meeting?.occurredAt).toBe("2025-03-06T10:00:00.000Z");
    expect(meeting?.details).toEqual({ endsAt: "2025-03-06T11:00:00.000Z" });
    const onDeal = await timelineOf(`deals/${deal.id}`);
    expect(onDeal.map((a) => a?.body)).toEqual(["Prefers email"]);
    // The deal's stage playbook made a task of its own when the deal was created; the import adds one.
    const playbook = (await allTasks(c)).length - 1;
    const tasks = (await allTasks(c)).filter((x) => x.title === "Send contract");
    expect(tasks).toMatchObject([{ related: { object: "deal", id: deal.id }, dueAt: "2025-03-20T12:00:00.000Z", remindAt: null }]);

    // Activities are matched to skip re-imported rows, never updated; update is refused up front.
    expectProblem(
      await c.post(`/api/v1/imports/${up.import.id}/preview`, { ...options, match: "externalId", onDuplicate: "update" }),
      400,
      "validation_failed",
    );
    // Undo takes everything back off the timelines.
    expect((await c.post(`/api/v1/imports/${up.import.id}/undo`)).statusCode).toBe(200);
    expect(await timelineOf(`companies/${company.id}`)).toEqual([]);
    expect(await allTasks(c)).toHaveLength(playbook);
  });

  it("counts validation-rule breaches in the preview, with the reasons the run gives", async () => {
    const c = await newWorkspace(t.app);
    await c.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true, message: "Every contact needs a job title" });
    await c.post("/api/v1/validation-rules", { object: "deal", field: "amount", max: 1000, message: "Ask finance above 1,000" });
    const people = await uploadOk(t, c, "contact", "people.csv", "First name,Last name,Email,Title\nAda,One,ada@x.example,CEO\nBob,Two,bob@x.example,");
    const pp = (await c.post(`/api/v1/imports/${people.import.id}/preview`, { mapping: people.suggestion.mapping })).json();
    expect(pp.counts).toMatchObject({ create: 1, reject: 1 });
    expect(pp.rejected[0].reason).toBe("jobTitle: Every contact needs a job title");
    const pr = await runToEnd(c, people.import.id, { mapping: people.suggestion.mapping });
    expect(pr.counts).toMatchObject({ created: 1, rejected: 1 });

    const deals = await uploadOk(t, c, "deal", "deals.csv", "Deal name,Amount\nSmall,900\nLarge,5000");
    const dp = (await c.post(`/api/v1/imports/${deals.import.id}/preview`, { mapping: deals.suggestion.mapping })).json();
    expect(dp.counts).toMatchObject({ create: 1, reject: 1 });
    expect(dp.rejected[0]).toMatchObject({ row: 2, reason: "amount: Ask finance above 1,000" });
    const dr = await runToEnd(c, deals.import.id, { mapping: deals.suggestion.mapping });
    expect(dr.counts).toMatchObject({ created: 1, rejected: 1 });
  });

  it("updates deals matched by external id, moving stages with history, and undo restores them", async () => {
    const c = await newWorkspace(t.app);
    const first = [
      "Opportunity ID,Deal name,Value,Stage,Close date,Account",
      "D-1,Acme expansion,1000,Qualification,2026-01-15,Acme",
      "D-2,Acme pilot,250.50,Discovery,2026-02-01,Acme",
    ].join("\n");
    const up = await uploadOk(t, c, "deal", "deals.csv", first);
    expect(up.suggestion.mapping).toMatchObject({
      "Opportunity ID": "externalId",
      "Deal name": "name",
      Value: "amount",
      Stage: "stage",
      "Close date": "closeDate",
      Account: "companyName",
    });
    // An unknown company is reported, then created on request.
    const strict = (await c.post(`/api/v1/imports/${up.import.id}/preview`, { mapping: up.suggestion.mapping })).json();
    expect(strict.rejected[0].reason).toMatch(/No company with name "Acme"/);
    await runToEnd(c, up.import.id, { mapping: up.suggestion.mapping, createMissingCompanies: true });
    const before = await allDeals(c);
    expect(before.map((d) => [d.name, d.amount, d.stageName, d.companyName]).sort()).toEqual([
      ["Acme expansion", "1000.00", "Qualification", "Acme"],
      ["Acme pilot", "250.50", "Discovery", "Acme"],
    ]);

    const second = [
      "Opportunity ID,Deal name,Value,Stage,Close date,Account,Reason",
      "D-1,Acme expansion,1200,Closed Lost,2026-01-20,Acme,Price",
      "D-3,New one,5,Bogus,,Acme,",
    ].join("\n");
    const up2 = await uploadOk(t, c, "deal", "deals-2.csv", second);
    const options = { mapping: { ...up2.suggestion.mapping, Reason: "lostReason" }, match: "externalId", onDuplicate: "update" };
    const run = await runToEnd(c, up2.import.id, options);
    expect(run.counts).toEqual({ created: 0, updated: 1, unchanged: 0, skipped: 0, rejected: 1 });
    const errors = (await c.get(`/api/v1/imports/${up2.import.id}/errors.csv`)).body;
    expect(errors).toContain('Stage ""Bogus"" is not in pipeline ""Sales""');
    const moved = (await allDeals(c)).find((d) => d.name === "Acme expansion");
    expect(moved).toMatchObject({ amount: "1200.00", stageName: "Lost", status: "lost", lostReason: "Price", expectedCloseDate: "2026-01-20" });
    const history = (await c.get(`/api/v1/deals/${moved?.id}/timeline?limit=50`)).json().data as { kind: string; changes?: { field: string }[] }[];
    expect(history.some((h) => h.kind === "change" && h.changes?.some((ch) => ch.field === "stage"))).toBe(true);

    // A file without a stage column updates what it gives and leaves the stage alone.
    const up3 = await uploadOk(t, c, "deal", "amounts.csv", "Opportunity ID,Deal name,Value\nD-2,Acme pilot,300");
    await runToEnd(c, up3.import.id, { mapping: up3.suggestion.mapping, match: "externalId", onDuplicate: "update" });
    expect((await allDeals(c)).find((d) => d.name === "Acme pilot")).toMatchObject({ amount: "300.00", stageName: "Discovery" });

    expect((await c.post(`/api/v1/imports/${up2.import.id}/undo`)).statusCode).toBe(200);
    const restored = (await allDeals(c)).find((d) => d.name === "Acme expansion");
    expect(restored).toMatchObject({ amount: "1000.00", stageName: "Qualification", status: "open", lostReason: null, expectedCloseDate: "2026-01-15" });
  });
});
