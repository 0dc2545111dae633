import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { holidaysFromIcs } from "./service.js";

const datasets = new URL("../../../../shared/datasets/icalendar/", import.meta.url);
const weekdays = [1, 2, 3, 4, 5];
const officeBlocks = weekdays.flatMap((day) => [
  { day, start: "09:00", end: "12:30" },
  { day, start: "13:30", end: "18:00" },
]);

/** Public holidays the way calendar apps publish them: all-day events, some recurring yearly. */
const germanHolidays = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Rapport test//EN
BEGIN:VEVENT
UID:xmas@example.com
DTSTART;VALUE=DATE:20201225
DTEND;VALUE=DATE:20201227
RRULE:FREQ=YEARLY
SUMMARY:Weihnachten
END:VEVENT
BEGIN:VEVENT
UID:unity-2026@example.com
DTSTART;VALUE=DATE:20261003
DTEND;VALUE=DATE:20261004
SUMMARY:Tag der Deutschen Einheit
END:VEVENT
END:VCALENDAR
`;

describe("holidays from iCalendar files", () => {
  it("expands yearly all-day events over the years asked for, each covered day once", () => {
    const days = holidaysFromIcs(germanHolidays, "2026-01-01", 2);
    expect(days).toEqual([
      { date: "2026-12-25", name: "Weihnachten" },
      { date: "2026-12-26", name: "Weihnachten" },
      { date: "2027-12-25", name: "Weihnachten" },
      { date: "2027-12-26", name: "Weihnachten" },
      { date: "2026-10-03", name: "Tag der Deutschen Einheit" },
    ]);
  });
  it("reads the ical.js sample files: a single date, and a timed monthly event on its start days", () => {
    const single = holidaysFromIcs(readFileSync(new URL("ical.js/only_dtstart_date.ics", datasets), "utf8"), "2012-01-01", 1);
    expect(single).toEqual([{ date: "2012-06-30", name: "Really long event name thing" }]);
    const monthly = holidaysFromIcs(readFileSync(new URL("ical.js/recur_instances_finite.ics", datasets), "utf8"), "2012-01-01", 1);
    // First Tuesday of the month from October 2012 until the rule's end in December, plus the event's two RDATE days.
    expect(monthly.map((h) => h.date)).toEqual(["2012-10-02", "2012-11-05", "2012-11-06", "2012-11-10", "2012-12-04"]);
    expect(() => holidaysFromIcs("not a calendar", "2026-01-01", 1)).toThrow(/iCalendar/);
  });
});

describe.each(databaseKinds)("SLA settings on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
  });
  afterAll(() => t.close());

  it("keeps calendars with blocks and holidays; the first is the default and the flag moves with a new default", async () => {
    const first = await admin.post("/api/v1/sla/calendars", { name: "Berlin office", timeZone: "Europe/Berlin", blocks: officeBlocks });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ name: "Berlin office", isDefault: true, holidays: [] });
    expect(first.json().blocks).toHaveLength(10);
    const second = await admin.post("/api/v1/sla/calendars", { name: "New York", timeZone: "America/New_York", isDefault: true });
    expect(second.json().isDefault).toBe(true);
    const list = (await admin.get("/api/v1/sla/calendars")).json().data as { name: string; isDefault: boolean }[];
    expect(list.map((c) => [c.name, c.isDefault])).toEqual([
      ["Berlin office", false],
      ["New York", true],
    ]);
    expectProblem(await admin.patch(`/api/v1/sla/calendars/${second.json().id}`, { isDefault: false }), 400, "validation_failed");
    // Deleting the default hands the flag on.
    expect((await admin.del(`/api/v1/sla/calendars/${second.json().id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/v1/sla/calendars/${first.json().id}`)).json().isDefault).toBe(true);
  });

  it("refuses blocks across midnight, overlapping blocks, duplicate holidays and unknown zones, naming the field", async () => {
    const night = expectProblem(
      await admin.post("/api/v1/sla/calendars", { name: "Night", timeZone: "UTC", blocks: [{ day: 1, start: "22:00", end: "02:00" }] }),
      400,
    );
    expect(JSON.stringify(night.errors)).toContain("blocks.0.end");
    const overlap = expectProblem(
      await admin.post("/api/v1/sla/calendars", {
        name: "Overlap",
        timeZone: "UTC",
        blocks: [
          { day: 2, start: "09:00", end: "13:00" },
          { day: 2, start: "12:00", end: "18:00" },
        ],
      }),
      400,
    );
    expect(overlap.errors).toEqual([{ path: "blocks.1.start", message: "Overlaps the block 09:00–13:00" }]);
    const twice = expectProblem(
      await admin.post("/api/v1/sla/calendars", {
        name: "Twice",
        timeZone: "UTC",
        holidays: [
          { date: "2026-12-25", name: "Christmas" },
          { date: "2026-12-25", name: "Also Christmas" },
        ],
      }),
      400,
    );
    expect(JSON.stringify(twice.errors)).toContain("listed twice");
    expectProblem(await admin.post("/api/v1/sla/calendars", { name: "Mars", timeZone: "Mars/Olympus" }), 400);
  });

  it("imports holidays from an iCalendar file, skipping days already listed", async () => {
    const cal = (
      await admin.post("/api/v1/sla/calendars", {
        name: "Hamburg",
        timeZone: "Europe/Berlin",
        blocks: officeBlocks,
        holidays: [{ date: "2026-12-25", name: "Christmas Day" }],
      })
    ).json();
    const res = await admin.post(`/api/v1/sla/calendars/${cal.id}/holidays/import`, { ics: germanHolidays, from: "2026-01-01", years: 1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ added: 2, skipped: 1 });
    expect(res.json().calendar.holidays).toEqual([
      { date: "2026-10-03", name: "Tag der Deutschen Einheit" },
      { date: "2026-12-25", name: "Christmas Day" },
      { date: "2026-12-26", name: "Weihnachten" },
    ]);
    expectProblem(await admin.post(`/api/v1/sla/calendars/${cal.id}/holidays/import`, { ics: "hello" }), 400);
  });

  it("keeps policies in order with targets and a calendar; checks them; only admins change them", async () => {
    const cal = (await admin.post("/api/v1/sla/calendars", { name: "Policy calendar", timeZone: "UTC", blocks: officeBlocks })).json();
    const p1 = await admin.post("/api/v1/sla/policies", { name: "Standard", firstResponseMinutes: 480, resolutionMinutes: 2400, calendarId: cal.id });
    expect(p1.statusCode, p1.body).toBe(201);
    expect(p1.json()).toMatchObject({ position: 0, warnPercent: 80, active: true, condition: { all: [] }, nextResponseMinutes: null });
    const p2 = (await admin.post("/api/v1/sla/policies", { name: "Later", nextResponseMinutes: 60 })).json();
    expect(p2.position).toBe(1);
    const moved = await admin.patch(`/api/v1/sla/policies/${p2.id}`, { position: -1 });
    expectProblem(moved, 400);
    expect((await admin.patch(`/api/v1/sla/policies/${p1.json().id}`, { position: 5 })).json().position).toBe(5);
    expect(((await admin.get("/api/v1/sla/policies")).json().data as { name: string }[]).map((p) => p.name)).toEqual(["Later", "Standard"]);
    const none = expectProblem(await admin.post("/api/v1/sla/policies", { name: "Empty" }), 400);
    expect(JSON.stringify(none.errors)).toContain("at least one target");
    expectProblem(
      await admin.post("/api/v1/sla/policies", { name: "Ghost calendar", resolutionMinutes: 60, calendarId: "0190aaaa-0000-7000-8000-000000000000" }),
      400,
    );
    // A calendar in use stays.
    expectProblem(await admin.del(`/api/v1/sla/calendars/${cal.id}`), 409, "conflict");

    const support = await userWithRole(t.app, admin, "support");
    expect((await support.get("/api/v1/sla/policies")).statusCode).toBe(200);
    expectProblem(await support.post("/api/v1/sla/policies", { name: "Mine", resolutionMinutes: 5 }), 403);
    expectProblem(await support.patch(`/api/v1/sla/calendars/${cal.id}`, { name: "Mine" }), 403);

    // Every change is an event (the recompute of open tickets hangs on these).
    const events = await t.database.db.query.outboxEvents.findMany({ where: (e, { eq }) => eq(e.recordId, p1.json().id) });
    expect(events.map((e) => e.type).sort()).toEqual(["sla_policy.created", "sla_policy.updated"]);
    expect((await admin.del(`/api/v1/sla/policies/${p2.id}`)).statusCode).toBe(204);
    expectProblem(await admin.get(`/api/v1/sla/policies/${p2.id}`), 404);
  });

  it("keeps each workspace's calendars and policies to itself", async () => {
    const other = await newWorkspace(t.app);
    const mine = (await admin.post("/api/v1/sla/calendars", { name: "Private", timeZone: "UTC" })).json();
    expectProblem(await other.get(`/api/v1/sla/calendars/${mine.id}`), 404);
    expectProblem(await other.patch(`/api/v1/sla/calendars/${mine.id}`, { name: "Stolen" }), 404);
    expectProblem(await other.post("/api/v1/sla/policies", { name: "Borrow", resolutionMinutes: 60, calendarId: mine.id }), 400);
    expect((await other.get("/api/v1/sla/calendars")).json().data).toEqual([]);
  });
});
