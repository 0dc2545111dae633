import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

const at = (days: number, hour: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
type Entry = { kind: string; activity?: { id: string; attendees: { kind: string; id: string; name: string | null }[] } };
const activityIds = (res: { statusCode: number; body: string; json(): { data: Entry[] } }) => {
  if (res.statusCode !== 200) throw new Error(`timeline: ${res.statusCode} ${res.body}`);
  return res.json().data.flatMap((e) => (e.kind === "activity" && e.activity ? [e.activity.id] : []));
};

describe.each(databaseKinds)("meetings, calendar and feed on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let acme: string;
  let ada: string;
  let bob: string;
  let deal: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    acme = (await admin.post("/api/v1/companies", { name: "Acme" })).json().id;
    ada = (await admin.post("/api/v1/contacts", { firstName: "Ada", lastName: "Attendee", companyId: acme, emails: [{ email: "ada@acme.test" }] })).json().id;
    bob = (await admin.post("/api/v1/contacts", { firstName: "Bob", lastName: "Solo" })).json().id;
    const d = await admin.post("/api/v1/deals", { name: "Acme renewal", companyId: acme });
    if (d.statusCode !== 201) throw new Error(d.body);
    deal = d.json().id;
  });
  afterAll(() => t.close());

  it("files activities on a deal and shows them on the deal's timeline", async () => {
    const note = await admin.post(`/api/v1/deals/${deal}/activities`, { type: "note", body: "<p>Budget approved</p>" });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({ dealId: deal, companyId: acme, contactId: null });
    const tl = await admin.get(`/api/v1/deals/${deal}/timeline`);
    expect(tl.statusCode, tl.body).toBe(200);
    expect(activityIds(tl)).toContain(note.json().id);
    expectProblem(await admin.get("/api/v1/deals/0190a000-0000-7000-8000-000000000000/timeline"), 404, "not_found");
  });

  it("shows a meeting on each attendee's timeline, their company's, and the deal's", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    const res = await admin.post("/api/v1/meetings", {
      subject: "Renewal kick-off",
      startsAt: at(1, 9),
      endsAt: at(1, 10),
      videoUrl: "https://meet.example.com/abc",
      location: "Room 4",
      attendees: { contactIds: [ada, bob], userIds: [sales.userId] },
      related: { object: "deal", id: deal },
    });
    expect(res.statusCode, res.body).toBe(201);
    const meeting = res.json();
    expect(meeting.dealId).toBe(deal);
    expect(meeting.attendees.map((a: { name: string }) => a.name).sort()).toEqual(["Ada Admin", "Ada Attendee", "Bob Solo", "sales user"].sort());
    for (const url of [
      `/api/v1/contacts/${ada}/timeline`,
      `/api/v1/contacts/${bob}/timeline`,
      `/api/v1/companies/${acme}/timeline`,
      `/api/v1/deals/${deal}/timeline`,
    ]) {
      const tl = await admin.get(url);
      expect(activityIds(tl), url).toContain(meeting.id);
    }
    // The attendee's calendar has it; other users' calendars are for managers to read.
    const range = `from=${encodeURIComponent(at(0, 0))}&to=${encodeURIComponent(at(3, 0))}`;
    expect((await sales.get(`/api/v1/meetings?${range}`)).json().data.map((m: { id: string }) => m.id)).toEqual([meeting.id]);
    expectProblem(await sales.get(`/api/v1/meetings?${range}&userId=${admin.session.me?.user.id}`), 403, "forbidden");
    // Rescheduling moves it everywhere; removing Bob drops it from his timeline.
    const moved = await admin.patch(`/api/v1/meetings/${meeting.id}`, {
      startsAt: at(2, 14),
      endsAt: at(2, 15),
      attendees: { contactIds: [ada], userIds: [] },
      outcome: "Agreed terms",
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().details).toMatchObject({ endsAt: at(2, 15), outcome: "Agreed terms" });
    expect(activityIds(await admin.get(`/api/v1/contacts/${bob}/timeline`))).not.toContain(meeting.id);
    expect(activityIds(await admin.get(`/api/v1/contacts/${ada}/timeline`))).toContain(meeting.id);
  });

  it("logs a meeting with attendees from the timeline composer", async () => {
    const res = await admin.post(`/api/v1/contacts/${bob}/activities`, {
      type: "meeting",
      subject: "Coffee",
      occurredAt: at(-1, 8),
      endsAt: at(-1, 9),
      attendees: { contactIds: [ada] },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(activityIds(await admin.get(`/api/v1/companies/${acme}/timeline`))).toContain(res.json().id);
  });

  it("moves a merged contact's meetings and tasks to the survivor", async () => {
    const dupe = (await admin.post("/api/v1/contacts", { firstName: "Bob", lastName: "Solo", emails: [{ email: "bob2@solo.test" }] })).json().id;
    const both = (
      await admin.post("/api/v1/meetings", { subject: "Both Bobs", startsAt: at(3, 9), endsAt: at(3, 10), attendees: { contactIds: [bob, dupe] } })
    ).json();
    const onlyDupe = (
      await admin.post("/api/v1/meetings", { subject: "Dupe only", startsAt: at(3, 11), endsAt: at(3, 12), attendees: { contactIds: [dupe] } })
    ).json();
    const task = (await admin.post("/api/v1/tasks", { title: "Ring Bob", related: { object: "contact", id: dupe } })).json();
    const merged = await admin.post("/api/v1/duplicates/merge", { object: "contact", survivorId: bob, loserId: dupe });
    expect(merged.statusCode, merged.body).toBe(200);
    const ids = activityIds(await admin.get(`/api/v1/contacts/${bob}/timeline`));
    expect(ids).toEqual(expect.arrayContaining([both.id, onlyDupe.id]));
    expect(ids.filter((id) => id === both.id)).toHaveLength(1);
    expect((await admin.get(`/api/v1/tasks/${task.id}`)).json().related).toMatchObject({ object: "contact", id: bob });
  });

  it("refuses bad meeting input, other workspaces' records and read-only writers", async () => {
    const other = await newWorkspace(t.app);
    const base = { subject: "x", startsAt: at(1, 9), endsAt: at(1, 10) };
    const cases: [unknown, string][] = [
      [{ ...base, endsAt: at(1, 8) }, "endsAt"],
      [{ ...base, startsAt: "soon" }, "startsAt"],
      [{ ...base, subject: "" }, "subject"],
      [{ ...base, videoUrl: "javascript:alert(1)" }, "videoUrl"],
      [{ ...base, attendees: { contactIds: ["nope"] } }, "attendees.contactIds"],
      [{ ...base, related: { object: "ticket", id: deal } }, "related.object"],
    ];
    for (const [body, field] of cases) {
      const p = expectProblem(await admin.post("/api/v1/meetings", body), 400, "validation_failed");
      expect(JSON.stringify(p.errors ?? p.detail)).toContain(field);
    }
    const cross = expectProblem(await other.post("/api/v1/meetings", { ...base, attendees: { contactIds: [ada] } }), 400, "validation_failed");
    expect(JSON.stringify(cross.errors)).toContain("attendees.contactIds.0");
    expectProblem(await other.post("/api/v1/meetings", { ...base, related: { object: "deal", id: deal } }), 404, "not_found");
    expectProblem(await other.get(`/api/v1/deals/${deal}/timeline`), 404, "not_found");
    const readOnly = await userWithRole(t.app, admin, "read_only");
    expectProblem(await readOnly.post("/api/v1/meetings", base), 403, "forbidden");
    const m = (await admin.post("/api/v1/meetings", base)).json();
    const early = expectProblem(await admin.patch(`/api/v1/meetings/${m.id}`, { endsAt: at(1, 8) }), 400, "validation_failed");
    expect(JSON.stringify(early.errors)).toContain("endsAt");
    expectProblem(await admin.patch(`/api/v1/meetings/${m.id}`, { location: 5 }), 400, "validation_failed");
    expectProblem(await readOnly.patch(`/api/v1/meetings/${m.id}`, { outcome: "x" }), 403, "forbidden");
    expectProblem(await other.patch(`/api/v1/meetings/${m.id}`, { outcome: "x" }), 404, "not_found");
    const note = (await admin.post(`/api/v1/contacts/${bob}/activities`, { type: "note", body: "hi" })).json();
    expectProblem(await admin.patch(`/api/v1/meetings/${note.id}`, { outcome: "x" }), 409, "conflict");
    // Feeds belong to signed-in users, not API keys.
    const created = await admin.post("/api/v1/api-keys", { name: "feed test", role: "sales" });
    expect(created.statusCode, created.body).toBe(201);
    const feedByKey = await t.app.inject({
      method: "POST",
      url: "/api/v1/calendar/feed",
      headers: { authorization: `Bearer ${created.json().key}`, "content-type": "application/json" },
      payload: "{}",
    });
    expectProblem(feedByKey, 403, "forbidden");
    expectProblem(await admin.get(`/api/v1/meetings?from=${encodeURIComponent(at(0, 0))}&to=${encodeURIComponent(at(90, 0))}`), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/meetings?from=yesterday&to=today"), 400, "validation_failed");
  });

  it("serves a private iCalendar feed that parses with ical.js and dies when revoked", async () => {
    expect((await admin.get("/api/v1/calendar/feed")).json()).toMatchObject({ active: false });
    const task = (await admin.post("/api/v1/tasks", { title: "Send contract", dueAt: at(1, 16) })).json();
    const created = await admin.post("/api/v1/calendar/feed", {});
    expect(created.statusCode, created.body).toBe(201);
    const { path, url } = created.json();
    expect(url).toMatch(/^http:\/\/.+\/api\/calendar\/[A-Za-z0-9_-]+\.ics$/);
    // No session: the token is the credential.
    const feed = await t.app.inject({ method: "GET", url: path });
    expect(feed.statusCode, feed.body).toBe(200);
    expect(feed.headers["content-type"]).toContain("text/calendar");
    const cal = new ICAL.Component(ICAL.parse(feed.body));
    const events = cal.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    const kickoff = events.find((e) => e.summary === "Renewal kick-off");
    expect(kickoff, feed.body).toBeDefined();
    expect(kickoff?.startDate.toJSDate().toISOString()).toBe(at(2, 14));
    expect(kickoff?.endDate.toJSDate().toISOString()).toBe(at(2, 15));
    expect(kickoff?.startDate.zone?.tzid).toBe("UTC");
    expect(kickoff?.location).toBe("Room 4");
    expect(kickoff?.attendees.map((a) => String(a.getFirstValue()).toLowerCase())).toContain("mailto:ada@acme.test");
    expect(String(kickoff?.component.getFirstPropertyValue("url"))).toContain(`/deals/${deal}`);
    const due = events.find((e) => e.summary === "Task: Send contract");
    expect(due?.startDate.toJSDate().toISOString()).toBe(task.dueAt);
    expect((await admin.get("/api/v1/calendar/feed")).json()).toMatchObject({ active: true });
    // Regenerating retires the old URL; revoking retires the new one.
    const second = (await admin.post("/api/v1/calendar/feed", {})).json();
    expect((await t.app.inject({ method: "GET", url: path })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: second.path })).statusCode).toBe(200);
    expect((await admin.del("/api/v1/calendar/feed")).statusCode).toBe(204);
    const gone = await t.app.inject({ method: "GET", url: second.path });
    expectProblem(gone, 404, "not_found");
    expectProblem(await t.app.inject({ method: "GET", url: "/api/calendar/short.ics" }), 404, "not_found");
    // Another user's feed shows their calendar, not the admin's.
    const sales = await userWithRole(t.app, admin, "sales");
    const theirs = (await sales.post("/api/v1/calendar/feed", {})).json();
    const body = (await t.app.inject({ method: "GET", url: theirs.path })).body;
    expect(body).not.toContain("Send contract");
  });
});
