/**
 * The workspace's time zone (chosen at sign-up, used on every date), the calendar's time grid (sticky date
 * row, blocks as tall as meetings last, overlaps side by side, drag to move, resize, click to edit, rollback
 * when the server refuses) and the timeline's kind filter, in real Chromium against the real server. The
 * browser runs in Los Angeles while the workspace works in Tokyo, so any date shown in the browser's zone
 * lands on the wrong hour or day.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const ZONE = "Asia/Tokyo"; // no daylight saving: +09:00 all year
const HOUR_PX = 48;

/** A Tokyo calendar day, n days from this week's Monday (weeks start on Monday in the calendar). */
function tokyoDay(n: number): string {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + n);
  return d.toISOString().slice(0, 10);
}
const tokyo = (day: string, time: string) => new Date(`${day}T${time}:00+09:00`).toISOString();

suite("calendar, time zones and the timeline (Chromium)", () => {
  let session: BrowserSession;
  let page: Page;
  let url = "";
  const errors: string[] = [];
  const ids: Record<string, string> = {};
  let contactId = "";
  const wed = tokyoDay(2);
  const thu = tokyoDay(3);

  beforeAll(async () => {
    session = await openBrowserSession(errors, {}, { timezoneId: "America/Los_Angeles" });
    page = session.page;
    url = session.server.url;
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "calendar");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator, timeout?: number) => l.first().waitFor({ state: "visible", timeout });
  const call = (method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ([m, p, b]) => {
        const res = await fetch(p as string, {
          method: m as string,
          headers: b === undefined ? {} : { "content-type": "application/json" },
          body: b === undefined ? undefined : JSON.stringify(b),
        });
        return { status: res.status, json: res.status === 204 ? null : await res.json() };
      },
      [method, path, body] as const,
    );
  const meeting = async (id: string) => {
    const res = await call(
      "GET",
      `/api/v1/meetings?from=${encodeURIComponent(tokyo(tokyoDay(0), "00:00"))}&to=${encodeURIComponent(tokyo(tokyoDay(7), "00:00"))}`,
    );
    return (res.json.data as { id: string; occurredAt: string; subject: string; details: { endsAt?: string; location?: string } }[]).find((m) => m.id === id);
  };
  const block = (id: string) => page.locator(`[data-testid="cal-meeting"][data-id="${id}"]`);
  const column = (day: string) => page.locator(`[data-testid="cal-day"][data-day="${day}"]`);
  const box = async (l: Locator) => {
    const b = await l.boundingBox();
    if (!b) throw new Error("element has no box");
    return b;
  };
  const drag = async (from: { x: number; y: number }, to: { x: number; y: number }) => {
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
  };
  const patched = () => page.waitForResponse((r) => r.url().includes("/api/v1/meetings/") && r.request().method() === "PATCH");

  it(
    "prefills the time zone from the browser at sign-up and keeps the one chosen",
    () =>
      step("01-signup", async () => {
        await page.goto(url);
        await see(byTestId("signup-form"));
        await expect.poll(() => byTestId("signup-timezone").inputValue()).toContain("America/Los Angeles");
        await expect.poll(() => byTestId("signup-currency").inputValue()).toContain("USD");
        await byTestId("signup-timezone").click();
        await byTestId("signup-timezone").fill("Tokyo");
        await page.getByRole("option", { name: /Asia\/Tokyo/ }).click();
        await signUp(page, { workspace: "Zones KK", name: "Yui Yamada", email: "yui@zones.test" });
        const ws = await call("GET", "/api/v1/workspace");
        expect(ws.json).toMatchObject({ timeZone: ZONE, defaultCurrency: "USD", defaultCountry: "US" });
      }),
    STEP,
  );

  it(
    "draws meetings in the workspace's zone, as tall as they last, overlapping ones side by side, under a date row that stays",
    () =>
      step("02-grid", async () => {
        const c = await call("POST", "/api/v1/contacts", { firstName: "Kenji", lastName: "Sato" });
        contactId = c.json.id;
        const schedule = async (key: string, subject: string, day: string, from: string, to: string) => {
          const res = await call("POST", "/api/v1/meetings", {
            subject,
            startsAt: tokyo(day, from),
            endsAt: tokyo(day, to),
            attendees: { contactIds: [contactId] },
          });
          expect(res.status, JSON.stringify(res.json)).toBe(201);
          ids[key] = res.json.id;
        };
        await schedule("review", "Pipeline review", wed, "10:00", "11:00");
        await schedule("sync", "Quick sync", wed, "10:30", "11:00");
        await schedule("standup", "Standup", wed, "14:00", "14:30");
        await byTestId("nav-calendar").click();
        await see(block(ids.review as string));
        const col = await box(column(wed));
        const review = await box(block(ids.review as string));
        const sync = await box(block(ids.sync as string));
        const standup = await box(block(ids.standup as string));
        // 10:00 Tokyo is 10 hours down Wednesday's column (in Los Angeles it would be Tuesday 17:00).
        expect(Math.abs(review.y - col.y - 10 * HOUR_PX)).toBeLessThan(4);
        expect(Math.abs(standup.y - col.y - 14 * HOUR_PX)).toBeLessThan(4);
        // One hour is twice as tall as half an hour.
        expect(Math.abs(review.height - HOUR_PX)).toBeLessThan(5);
        expect(Math.abs(standup.height - HOUR_PX / 2)).toBeLessThan(5);
        // The two overlapping meetings share the column, side by side; the lone one takes its width.
        expect(review.x + review.width).toBeLessThanOrEqual(sync.x + 1);
        expect(review.width).toBeLessThan(col.width * 0.6);
        expect(standup.width).toBeGreaterThan(col.width * 0.9);
        // Scrolled to the evening, the date row is still at the top of the grid.
        await byTestId("cal-week").evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
        const grid = await box(byTestId("cal-week"));
        const head = await box(byTestId("cal-date-row"));
        expect(Math.abs(head.y - grid.y)).toBeLessThan(3);
        await expect.poll(() => byTestId("cal-day-head").nth(2).isVisible()).toBe(true);
        await byTestId("cal-week").evaluate((el, px) => {
          el.scrollTop = px;
        }, 7 * HOUR_PX);
      }),
    STEP,
  );

  it(
    "moves a meeting by dragging it to another day and hour, and resizes it from its bottom edge in quarter hours",
    () =>
      step("03-drag", async () => {
        const standup = await box(block(ids.standup as string));
        const wedCol = await box(column(wed));
        const thuCol = await box(column(thu));
        const from = { x: standup.x + standup.width / 2, y: standup.y + 6 };
        const saved = patched();
        await drag(from, { x: from.x + (thuCol.x - wedCol.x), y: from.y + HOUR_PX });
        expect((await saved).status()).toBe(200);
        const moved = await meeting(ids.standup as string);
        expect(moved?.occurredAt).toBe(tokyo(thu, "15:00"));
        expect(moved?.details.endsAt).toBe(tokyo(thu, "15:30"));
        await expect.poll(async () => Math.round((await box(block(ids.standup as string))).x)).toBe(Math.round((await box(column(thu))).x + 2));

        // 26 px down is 32½ minutes: the end lands on the nearest quarter hour, 11:30.
        const handle = block(ids.review as string).getByTestId("cal-resize");
        const h = await box(handle);
        const resized = patched();
        await drag({ x: h.x + h.width / 2, y: h.y + h.height / 2 }, { x: h.x + h.width / 2, y: h.y + h.height / 2 + 26 });
        expect((await resized).status()).toBe(200);
        const review = await meeting(ids.review as string);
        expect(review?.occurredAt).toBe(tokyo(wed, "10:00"));
        expect(review?.details.endsAt).toBe(tokyo(wed, "11:30"));
        await expect.poll(async () => Math.round((await box(block(ids.review as string))).height)).toBeGreaterThan(1.4 * HOUR_PX);
      }),
    STEP,
  );

  it(
    "puts a meeting back where it was when the server refuses the move",
    () =>
      step("04-refused", async () => {
        const before = await box(block(ids.sync as string));
        await page.route("**/api/v1/meetings/*", (route) =>
          route.request().method() === "PATCH"
            ? route.fulfill({
                status: 409,
                contentType: "application/problem+json",
                body: JSON.stringify({
                  type: "about:blank",
                  title: "Conflict",
                  status: 409,
                  code: "conflict",
                  detail: "Someone changed this meeting meanwhile.",
                }),
              })
            : route.fallback(),
        );
        const refused = patched();
        await drag({ x: before.x + before.width / 2, y: before.y + 5 }, { x: before.x + before.width / 2, y: before.y + 5 + 2 * HOUR_PX });
        expect((await refused).status()).toBe(409);
        await see(page.getByText("Someone changed this meeting meanwhile."));
        await expect.poll(async () => Math.round((await box(block(ids.sync as string))).y)).toBe(Math.round(before.y));
        await page.unroute("**/api/v1/meetings/*");
        expect((await meeting(ids.sync as string))?.occurredAt).toBe(tokyo(wed, "10:30"));
      }),
    STEP,
  );

  it(
    "edits a meeting from a click: its fields in a modal, saved through the API",
    () =>
      step("05-edit", async () => {
        await block(ids.review as string).click();
        await see(byTestId("meeting-form"));
        expect(await byTestId("meeting-title").inputValue()).toBe("Pipeline review");
        // The form reads and writes Tokyo wall-clock time.
        expect(await byTestId("meeting-starts").inputValue()).toBe(`${wed}T10:00`);
        expect(await byTestId("meeting-ends").inputValue()).toBe(`${wed}T11:30`);
        await byTestId("meeting-title").fill("Pipeline review (APAC)");
        await byTestId("meeting-location").fill("Room 7");
        await byTestId("meeting-ends").fill(`${wed}T12:00`);
        const saved = patched();
        await byTestId("meeting-save").click();
        expect((await saved).status()).toBe(200);
        await byTestId("meeting-form").waitFor({ state: "hidden" });
        const m = await meeting(ids.review as string);
        expect(m).toMatchObject({ subject: "Pipeline review (APAC)", details: { location: "Room 7", endsAt: tokyo(wed, "12:00") } });
        await see(block(ids.review as string).getByText("Pipeline review (APAC)"));
      }),
    STEP,
  );

  it(
    "shows a future meeting as scheduled for its Tokyo date, and filters the timeline by kind",
    () =>
      step("06-timeline", async () => {
        const day = tokyoDay(10);
        const future = await call("POST", "/api/v1/meetings", {
          subject: "Renewal call",
          startsAt: tokyo(day, "09:00"),
          endsAt: tokyo(day, "09:30"),
          attendees: { contactIds: [contactId] },
        });
        expect(future.status).toBe(201);
        await call("POST", `/api/v1/contacts/${contactId}/activities`, { type: "note", body: "<p>Prefers mornings</p>" });
        await page.goto(`${url}/contacts/${contactId}`);
        await see(byTestId("timeline-note"));
        const expected = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: ZONE }).format(new Date(tokyo(day, "09:00")));
        const norm = (s: string) => s.replace(/[\s\u202f]+/g, " ").trim();
        const scheduled = byTestId("meeting-scheduled-for").first();
        await see(scheduled);
        expect(norm(await scheduled.innerText())).toBe(norm(`for ${expected}`));
        await see(byTestId("timeline-meeting").getByText("scheduled a meeting"));
        const filter = byTestId("timeline-filter");
        await filter.getByText("Meetings", { exact: true }).click();
        await expect.poll(() => byTestId("timeline-note").count()).toBe(0);
        await expect.poll(() => byTestId("timeline-meeting").count()).toBe(4);
        expect(await byTestId("timeline-change").count()).toBe(0);
        await filter.getByText("Meetings", { exact: true }).click();
        await filter.getByText("Calls", { exact: true }).click();
        await see(byTestId("timeline-filter-empty"));
        await filter.getByText("All", { exact: true }).click();
        await see(byTestId("timeline-note"));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
