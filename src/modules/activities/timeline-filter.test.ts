import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";

type Entry = { kind: "activity" | "change"; activity?: { type: string; subject: string | null } };
type Page = { data: Entry[]; nextCursor: string | null };
const kinds = (page: Page) => page.data.map((e) => (e.kind === "change" ? "change" : (e.activity?.type ?? "?")));

describe.each(databaseKinds)("timeline filtered by kind on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let company: string;
  let contact: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    company = (await admin.post("/api/v1/companies", { name: "Filterco" })).json().id;
    contact = (await admin.post("/api/v1/contacts", { firstName: "Fay", lastName: "Filter", companyId: company })).json().id;
    await admin.patch(`/api/v1/contacts/${contact}`, { jobTitle: "Buyer" });
    const log = async (body: Record<string, unknown>) => {
      const res = await admin.post(`/api/v1/contacts/${contact}/activities`, body);
      if (res.statusCode !== 201) throw new Error(res.body);
    };
    await log({ type: "note", body: "<p>First note</p>", occurredAt: "2026-01-01T09:00:00Z" });
    await log({ type: "call", direction: "outbound", durationSeconds: 60, outcome: "connected", occurredAt: "2026-01-02T09:00:00Z" });
    await log({ type: "email", direction: "inbound", subject: "Re: quote", occurredAt: "2026-01-03T09:00:00Z" });
    await log({ type: "note", body: "<p>Second note</p>", occurredAt: "2026-01-04T09:00:00Z" });
    // A meeting filed on no record: on Fay's timeline only because she attends it.
    const m = await admin.post("/api/v1/meetings", {
      subject: "Demo",
      startsAt: "2026-01-05T09:00:00Z",
      endsAt: "2026-01-05T10:00:00Z",
      attendees: { contactIds: [contact] },
    });
    if (m.statusCode !== 201) throw new Error(m.body);
  });
  afterAll(() => t?.close());

  const page = async (url: string): Promise<Page> => {
    const res = await admin.get(url);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it("returns only the kinds asked for, attended meetings included, on contacts and companies", async () => {
    expect(kinds(await page(`/api/v1/contacts/${contact}/timeline?types=meeting`))).toEqual(["meeting"]);
    expect(kinds(await page(`/api/v1/contacts/${contact}/timeline?types=note,call`))).toEqual(["note", "call", "note"]);
    expect(kinds(await page(`/api/v1/contacts/${contact}/timeline?types=change`))).toEqual(["change", "change"]);
    expect(kinds(await page(`/api/v1/companies/${company}/timeline?types=email,meeting`))).toEqual(["meeting", "email"]);
    const all = kinds(await page(`/api/v1/contacts/${contact}/timeline`));
    expect(all.filter((k) => k !== "change")).toEqual(["meeting", "note", "email", "call", "note"]);
  });

  it("pages through a filtered timeline without gaps or other kinds", async () => {
    const first = await page(`/api/v1/contacts/${contact}/timeline?types=note&limit=1`);
    expect(kinds(first)).toEqual(["note"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await page(`/api/v1/contacts/${contact}/timeline?types=note&limit=1&cursor=${first.nextCursor}`);
    expect(kinds(second)).toEqual(["note"]);
    expect(second.data[0]).not.toEqual(first.data[0]);
    expect(second.nextCursor).toBeNull();
  });

  it("refuses kinds it does not know", async () => {
    const bad = expectProblem(await admin.get(`/api/v1/contacts/${contact}/timeline?types=note,sms`), 400);
    expect(JSON.stringify(bad.errors)).toContain("types");
  });
});
