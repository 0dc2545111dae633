import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HONEYPOT_FIELD } from "../../contract/form-html.js";
import { systemActor } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { importContacts } from "../contacts/service.js";
import { contacts } from "../contacts/table.js";
import { recordHistory } from "../history/table.js";
import { buildRow, type Plan } from "../imports/plan.js";
import { rescoreDue } from "./scoring.js";

const DAY = 86_400_000;
let ipCounter = 0;
/** Each test posts from its own address, so the per-IP rate limit only bites where a test wants it to. */
const nextIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe.each(databaseKinds)("leads on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    // With a worker: rule changes rescore the workspace through the event stream and the job queue.
    t = await createTestApp(kind, { jobs: { worker: true, pollingIntervalSeconds: 0.5 } });
  });
  afterAll(() => t.close());

  const wsId = (c: Client) => c.session.me?.workspace.id as string;
  const scoreOf = async (ws: Client, id: string) => (await ws.get(`/api/v1/contacts/${id}`)).json().leadScore as number;
  /**
   * Reactions arrive through the event stream: a commit wakes the dispatcher (pg_notify), whose consumers rescore or
   * queue the rescoring job. Wait for that outcome, bounded, polling often.
   */
  const settle = { interval: 50 };

  async function team(ws: Client, name: string, size: number) {
    const members: string[] = [];
    for (let i = 0; i < size; i++) members.push((await userWithRole(t.app, ws, "sales")).userId);
    const res = await ws.post("/api/v1/teams", { name, memberIds: members });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().id as string, members };
  }

  function publicPost(formId: string, body: unknown, opts: { form?: boolean; ip?: string; referer?: string } = {}) {
    const payload = opts.form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
    return t.app.inject({
      method: "POST",
      url: `/api/public/forms/${formId}/submissions`,
      headers: {
        "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json",
        ...(opts.referer ? { referer: opts.referer } : {}),
      },
      // The peer's own address: X-Forwarded-For is ignored unless TRUST_PROXY names the peer.
      remoteAddress: opts.ip ?? nextIp(),
      payload,
    });
  }

  describe("assignment rules", () => {
    it("takes the first matching territory rule, says why, and falls back", async () => {
      const ws = await newWorkspace(t.app);
      const emea = await userWithRole(t.app, ws, "sales");
      const dach = await userWithRole(t.app, ws, "sales");
      const fallback = await userWithRole(t.app, ws, "sales");
      const company = (await ws.post("/api/v1/companies", { name: "Big GmbH", employees: 500 })).json();
      const r1 = await ws.post("/api/v1/assignment-rules", {
        name: "EMEA enterprise",
        conditions: [
          { field: "country", op: "in", value: ["DE", "FR"] },
          { field: "company.employees", op: "gt", value: 200 },
        ],
        target: { kind: "user", userId: emea.userId },
      });
      expect(r1.statusCode, r1.body).toBe(201);
      expect(r1.json().description).toBe("Rule 'EMEA enterprise': Country is any of DE, FR and Company employees is more than 200");
      // A later rule that also matches German leads never wins over the first.
      await ws.post("/api/v1/assignment-rules", {
        name: "DACH",
        conditions: [{ field: "country", op: "eq", value: "de" }],
        target: { kind: "user", userId: dach.userId },
      });
      expect((await ws.call("PUT", "/api/v1/assignment-settings", { fallbackOwnerId: fallback.userId })).statusCode).toBe(200);

      const big = (await ws.post("/api/v1/contacts", { firstName: "Grosse", address: { country: "DE" }, companyId: company.id })).json();
      expect(big.ownerId).toBe(emea.userId);
      expect(big.assignmentReason).toBe("Rule 'EMEA enterprise': Country is any of DE, FR and Company employees is more than 200");
      const small = (await ws.post("/api/v1/contacts", { firstName: "Klein", address: { country: "DE" } })).json();
      expect(small.ownerId).toBe(dach.userId);
      expect(small.assignmentReason).toBe("Rule 'DACH': Country is de");
      const other = (await ws.post("/api/v1/contacts", { firstName: "Nobody", address: { country: "US" } })).json();
      expect(other).toMatchObject({ ownerId: fallback.userId, assignmentReason: "Fallback owner" });
      // An explicit owner is never overridden.
      const explicit = (await ws.post("/api/v1/contacts", { firstName: "Mine", address: { country: "DE" }, ownerId: ws.session.me?.user.id })).json();
      expect(explicit).toMatchObject({ ownerId: ws.session.me?.user.id, assignmentReason: null });

      // Reordering changes who wins.
      const rules = (await ws.get("/api/v1/assignment-rules")).json().data as { id: string }[];
      const reordered = await ws.post("/api/v1/assignment-rules/reorder", { ids: rules.map((r) => r.id).reverse() });
      expect(reordered.json().data.map((r: { name: string }) => r.name)).toEqual(["DACH", "EMEA enterprise"]);
      expect((await ws.post("/api/v1/contacts", { firstName: "Again", address: { country: "DE" }, companyId: company.id })).json().ownerId).toBe(dach.userId);
    });

    it("deals round-robin fairly across concurrent creates and bulk imports", async () => {
      const ws = await newWorkspace(t.app);
      const inbound = await team(ws, "Inbound", 3);
      const rule = await ws.post("/api/v1/assignment-rules", { name: "Everyone", target: { kind: "team", teamId: inbound.id } });
      expect(rule.statusCode, rule.body).toBe(201);
      const created = await Promise.all(Array.from({ length: 12 }, (_, i) => ws.post("/api/v1/contacts", { firstName: `RR${i}` })));
      const owners = created.map((r) => r.json().ownerId as string);
      for (const m of inbound.members) expect(owners.filter((o) => o === m).length).toBe(4);
      expect(created[0]?.json().assignmentReason).toBe("Round-robin in team Inbound");

      // Imports take turns in the same rotation: one cursor update for the whole batch.
      const ctx = { db: t.database.db, workspaceId: wsId(ws), actor: { ...systemActor, userId: ws.session.me?.user.id ?? null } };
      const result = await t.database.db.transaction((tx) =>
        importContacts(
          { ...ctx, db: tx },
          Array.from({ length: 6 }, (_, i) => ({ firstName: `Imp${i}` })),
        ),
      );
      const imported = await t.database.db
        .select({ ownerId: contacts.ownerId, reason: contacts.assignmentReason })
        .from(contacts)
        .where(eq(contacts.workspaceId, wsId(ws)));
      const importedOwners = imported.filter((r) => r.reason).map((r) => r.ownerId);
      expect(result.ids.filter(Boolean)).toHaveLength(6);
      for (const m of inbound.members) expect(importedOwners.filter((o) => o === m).length).toBe(6);
    });

    it("is admin-only to change, validates conditions and targets, and stays in its workspace", async () => {
      const ws = await newWorkspace(t.app);
      const sales = await userWithRole(t.app, ws, "sales");
      const body = { name: "X", target: { kind: "user", userId: sales.userId } };
      expectProblem(await sales.post("/api/v1/assignment-rules", body), 403, "forbidden");
      expect((await sales.get("/api/v1/assignment-rules")).statusCode).toBe(200);
      expectProblem(await sales.call("PUT", "/api/v1/assignment-settings", { fallbackOwnerId: null }), 403);
      const bad = expectProblem(
        await ws.post("/api/v1/assignment-rules", { ...body, conditions: [{ field: "company.employees", op: "between", value: [500, 10] }] }),
        400,
        "validation_failed",
      );
      expect(bad.errors).toEqual([{ path: "conditions.all.0.value", message: "between needs the smaller value first" }]);
      expectProblem(await ws.post("/api/v1/assignment-rules", { ...body, conditions: [{ field: "salary", op: "eq", value: 1 }] }), 400);
      expectProblem(await ws.post("/api/v1/assignment-rules", { name: "T", target: { kind: "team", teamId: "01a20000-0000-7000-8000-000000000000" } }), 400);
      const rule = (await ws.post("/api/v1/assignment-rules", body)).json();
      const stranger = await newWorkspace(t.app);
      expectProblem(await stranger.patch(`/api/v1/assignment-rules/${rule.id}`, { name: "Hijack" }), 404);
      expectProblem(await stranger.del(`/api/v1/assignment-rules/${rule.id}`), 404);
      expect((await stranger.get("/api/v1/assignment-rules")).json().data).toEqual([]);
      expectProblem(await stranger.post("/api/v1/assignment-rules", { ...body }), 400);
    });
  });

  describe("lead scoring", () => {
    it("scores field rules with a breakdown, clamps, sorts and filters", async () => {
      const ws = await newWorkspace(t.app);
      const sales = await userWithRole(t.app, ws, "sales");
      expectProblem(
        await sales.post("/api/v1/scoring-rules", { kind: "field", name: "VP", conditions: [{ field: "jobTitle", op: "contains", value: "VP" }], points: 20 }),
        403,
      );
      const rules = [
        { kind: "field", name: "VP", conditions: [{ field: "jobTitle", op: "contains", value: "VP" }], points: 20 },
        { kind: "field", name: "Big", conditions: [{ field: "company.employees", op: "gt", value: 200 }], points: 15 },
        { kind: "field", name: "Referral", conditions: [{ field: "leadSource", op: "eq", value: "referral" }], points: 10 },
        { kind: "field", name: "Students", conditions: [{ field: "jobTitle", op: "contains", value: "student" }], points: -30 },
      ];
      for (const r of rules) expect((await ws.post("/api/v1/scoring-rules", r)).statusCode).toBe(201);
      const company = (await ws.post("/api/v1/companies", { name: "Large", employees: 1000 })).json();
      const vp = (await ws.post("/api/v1/contacts", { firstName: "Vera", jobTitle: "VP Sales", companyId: company.id, leadSource: "referral" })).json();
      expect(vp.leadScore).toBe(45);
      expect(vp.scoreBreakdown.map((b: { label: string; points: number }) => `${b.points > 0 ? "+" : ""}${b.points} ${b.label}`)).toEqual([
        "+20 Job title contains VP",
        "+15 Company employees is more than 200",
        "+10 Lead source is Referral",
      ]);
      const student = (await ws.post("/api/v1/contacts", { firstName: "Stu", jobTitle: "Student" })).json();
      expect(student.leadScore).toBe(0);
      expect(student.scoreBreakdown).toEqual([expect.objectContaining({ points: -30 })]);
      // Updating the contact rescores it.
      const updated = (await ws.patch(`/api/v1/contacts/${vp.id}`, { jobTitle: "Engineer" })).json();
      expect(updated.leadScore).toBe(25);
      // A company shrinking rescores its contacts: its company.updated event queues the job that pages through them.
      expect((await ws.patch(`/api/v1/companies/${company.id}`, { employees: 50 })).statusCode).toBe(200);
      await expect.poll(() => scoreOf(ws, vp.id), settle).toBe(10);
      await ws.patch(`/api/v1/companies/${company.id}`, { employees: 1000 });
      await expect.poll(() => scoreOf(ws, vp.id), settle).toBe(25);
      await ws.post("/api/v1/contacts", { firstName: "Mid", jobTitle: "VP Marketing" });
      const sorted = (await ws.get("/api/v1/leads?sort=-leadScore")).json().data.map((c: { firstName: string }) => c.firstName);
      expect(sorted).toEqual(["Vera", "Mid", "Stu"]);
      expect((await ws.get("/api/v1/contacts?leadScoreMin=21")).json().data.map((c: { firstName: string }) => c.firstName)).toEqual(["Vera"]);
      // Keyset paging by score has no gaps.
      const p1 = (await ws.get("/api/v1/leads?sort=-leadScore&limit=2")).json();
      const p2 = (await ws.get(`/api/v1/leads?sort=-leadScore&limit=2&cursor=${p1.nextCursor}`)).json();
      expect([...p1.data, ...p2.data].map((c: { firstName: string }) => c.firstName)).toEqual(["Vera", "Mid", "Stu"]);
      expectProblem(await ws.get("/api/v1/leads?leadScoreMin=200"), 400, "validation_failed");
      expectProblem(await ws.post("/api/v1/scoring-rules", { kind: "field", name: "X", conditions: [], points: 5 }), 400);
      expectProblem(await ws.post("/api/v1/scoring-rules", { kind: "event", name: "X", event: "tweet", points: 5 }), 400);
    });

    it("counts engagement with decay, applied by the periodic rescore, and rescores the workspace on rule changes", async () => {
      const ws = await newWorkspace(t.app);
      const lead = (await ws.post("/api/v1/contacts", { firstName: "Engaged" })).json();
      const now = Date.now();
      for (const daysAgo of [1, 2]) {
        const res = await ws.post(`/api/v1/contacts/${lead.id}/activities`, {
          type: "call",
          direction: "outbound",
          durationSeconds: 60,
          outcome: "connected",
          occurredAt: new Date(now - daysAgo * DAY).toISOString(),
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      const rule = await ws.post("/api/v1/scoring-rules", { kind: "event", name: "Calls", event: "call", points: 20, decay: { kind: "halve", everyDays: 7 } });
      expect(rule.statusCode, rule.body).toBe(201);
      // The rule change rescored the workspace in the background, with progress.
      let status = (await ws.get("/api/v1/scoring-rules/rescore")).json();
      for (let i = 0; i < 200 && status.state !== "done"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await ws.get("/api/v1/scoring-rules/rescore")).json();
      }
      expect(status).toMatchObject({ state: "done", total: 1, done: 1 });
      let c = (await ws.get(`/api/v1/contacts/${lead.id}`)).json();
      expect(c.leadScore).toBe(40);
      expect(c.scoreBreakdown).toEqual([expect.objectContaining({ label: "2 calls (decaying)", points: 40 })]);

      // A week later both calls are worth half: the decay pass picks the contact up by score_changes_at.
      expect(await rescoreDue(t.database.db, new Date(now + 7 * DAY))).toBeGreaterThanOrEqual(1);
      c = (await ws.get(`/api/v1/contacts/${lead.id}`)).json();
      expect(c.leadScore).toBe(20);
      await rescoreDue(t.database.db, new Date(now + 15 * DAY));
      expect((await ws.get(`/api/v1/contacts/${lead.id}`)).json().leadScore).toBe(10);

      // Expiring points drop to nothing; logging an activity rescores its contact (the activity.logged consumer).
      const id = rule.json().id;
      await ws.call("PUT", `/api/v1/scoring-rules/${id}`, {
        kind: "event",
        name: "Calls",
        event: "call",
        points: 10,
        decay: { kind: "expire", afterDays: 30 },
      });
      await ws.post(`/api/v1/contacts/${lead.id}/activities`, { type: "note", body: "<p>hi</p>" });
      await ws.post(`/api/v1/contacts/${lead.id}/activities`, { type: "call", direction: "inbound", durationSeconds: 5, outcome: "connected" });
      await expect.poll(() => scoreOf(ws, lead.id), settle).toBe(30);
      await rescoreDue(t.database.db, new Date(now + 31 * DAY));
      expect((await ws.get(`/api/v1/contacts/${lead.id}`)).json().leadScore).toBe(0);
    });
  });

  describe("web-to-lead forms", () => {
    async function setupForm(ws: Client, extra: Record<string, unknown> = {}) {
      const res = await ws.post("/api/v1/forms", {
        name: "Contact us",
        fields: [
          { key: "firstName", label: "First name", required: true },
          { key: "email", label: "Email" },
          { key: "companyName", label: "Company" },
          { key: "message", label: "Message" },
        ],
        thankYouMessage: "Thanks, we will call you.",
        tags: ["inbound"],
        ...extra,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }

    it("creates a contact, then updates the one matched by email, recording UTM and referrer", async () => {
      const ws = await newWorkspace(t.app);
      const sales = await userWithRole(t.app, ws, "sales");
      await ws.post("/api/v1/scoring-rules", { kind: "event", name: "Forms", event: "form_submitted", points: 10 });
      await ws.post("/api/v1/assignment-rules", {
        name: "Web",
        conditions: [{ field: "leadSource", op: "eq", value: "web_form" }],
        target: { kind: "user", userId: sales.userId },
      });
      const form = await setupForm(ws);
      expectProblem(await sales.post("/api/v1/forms", { name: "x", fields: [{ key: "email", label: "E" }] }), 403);
      const first = await publicPost(form.id, {
        firstName: "Wendy",
        email: "Wendy@Example.com",
        companyName: "Acme",
        message: "Call me",
        utm_source: "newsletter",
        utm_campaign: "spring",
        _referrer: "https://blog.example.com/post?utm_medium=email",
      });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toEqual({ ok: true, message: "Thanks, we will call you.", redirectUrl: null });
      const found = (await ws.get("/api/v1/contacts?email=wendy@example.com")).json().data;
      expect(found).toHaveLength(1);
      const c = found[0];
      expect(c).toMatchObject({
        leadSource: "web_form",
        leadStatus: "new",
        ownerId: sales.userId,
        assignmentReason: "Rule 'Web': Lead source is Web form",
        tags: ["inbound"],
      });
      expect(c.sourceDetails).toMatchObject({
        form: { id: form.id, name: "Contact us" },
        utm: { utm_source: "newsletter", utm_campaign: "spring", utm_medium: "email" },
        referrer: "https://blog.example.com/post?utm_medium=email",
        companyName: "Acme",
      });
      expect(c.leadScore).toBe(10);

      const again = await publicPost(form.id, { firstName: "Wendy-Ann", email: "WENDY@example.COM" });
      expect(again.statusCode).toBe(201);
      const after = (await ws.get("/api/v1/contacts?email=wendy@example.com")).json().data;
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ id: c.id, firstName: "Wendy-Ann", leadScore: 20 });
      const subs = (await ws.get(`/api/v1/forms/${form.id}/submissions`)).json();
      expect(subs.data.map((s: { outcome: string }) => s.outcome)).toEqual(["updated", "created"]);
      expect(subs.data[1]).toMatchObject({ contactId: c.id, data: { message: "Call me" }, utm: { utm_source: "newsletter" } });
      expect((await ws.get(`/api/v1/forms/${form.id}`)).json()).toMatchObject({ submissionCount: 2, spamCount: 0 });
    });

    it("keeps a referrer only when it is an http(s) address: javascript: and other schemes are dropped", async () => {
      const ws = await newWorkspace(t.app);
      const form = await setupForm(ws);
      for (const [i, referrer] of ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<script>x</script>", "not a url"].entries()) {
        expect((await publicPost(form.id, { firstName: "Js", email: `js${i}@example.com`, _referrer: referrer })).statusCode).toBe(201);
        const c = (await ws.get(`/api/v1/contacts?email=js${i}@example.com`)).json().data[0];
        expect(c.sourceDetails.referrer ?? null, referrer).toBeNull();
      }
      const fromHeader = await publicPost(form.id, { firstName: "Hd", email: "hd@example.com" }, { referer: "javascript:alert(2)" });
      expect(fromHeader.statusCode).toBe(201);
      expect((await ws.get("/api/v1/contacts?email=hd@example.com")).json().data[0].sourceDetails.referrer ?? null).toBeNull();
      const subs = (await ws.get(`/api/v1/forms/${form.id}/submissions`)).json().data as { referrer: string | null }[];
      expect(subs.map((x) => x.referrer)).toEqual([null, null, null, null, null]);
      await publicPost(form.id, { firstName: "Ok", email: "ok@example.com", _referrer: "https://example.org/page" });
      expect((await ws.get("/api/v1/contacts?email=ok@example.com")).json().data[0].sourceDetails.referrer).toBe("https://example.org/page");
    });

    it("answers plain HTML form posts with a redirect or a thank-you page, and discards honeypot spam", async () => {
      const ws = await newWorkspace(t.app);
      const form = await setupForm(ws);
      const html = await publicPost(form.id, { firstName: "Hal", email: "hal@example.com" }, { form: true });
      expect(html.statusCode).toBe(200);
      expect(html.headers["content-type"]).toContain("text/html");
      expect(html.body).toContain("Thanks, we will call you.");
      await ws.patch(`/api/v1/forms/${form.id}`, { redirectUrl: "https://example.com/thanks" });
      const redirected = await publicPost(form.id, { firstName: "Red", email: "red@example.com" }, { form: true });
      expect(redirected.statusCode).toBe(303);
      expect(redirected.headers.location).toBe("https://example.com/thanks");

      const spam = await publicPost(form.id, { firstName: "Bot", email: "bot@spam.example", [HONEYPOT_FIELD]: "http://spam" }, { form: true });
      expect(spam.statusCode).toBe(303);
      expect((await ws.get("/api/v1/contacts?email=bot@spam.example")).json().data).toEqual([]);
      expect((await ws.get(`/api/v1/forms/${form.id}`)).json()).toMatchObject({ submissionCount: 2, spamCount: 1 });
      expect((await ws.get(`/api/v1/forms/${form.id}/submissions?spam=true`)).json().data).toHaveLength(1);

      const badHtml = await publicPost(form.id, { email: "not-an-email" }, { form: true });
      expect(badHtml.statusCode).toBe(400);
      expect(badHtml.headers["content-type"]).toContain("text/html");
      expect(badHtml.body).toContain("First name is required");
      const badJson = expectProblem(await publicPost(form.id, { firstName: "J", email: "nope" }), 400, "validation_failed");
      expect(badJson.errors).toEqual([{ path: "email", message: "Enter a valid email address" }]);
      expectProblem(await publicPost(form.id, { firstName: "J", email: { x: 1 } }), 400);
      expectProblem(await publicPost("01a20000-0000-7000-8000-000000000000", { email: "a@b.co" }), 404);
      expectProblem(await publicPost("not-a-uuid", { email: "a@b.co" }), 400);
      await ws.patch(`/api/v1/forms/${form.id}`, { enabled: false });
      expectProblem(await publicPost(form.id, { firstName: "Late", email: "late@example.com" }), 404);
    });

    it("rate-limits per IP, allows cross-origin JSON and serves the hosted page", async () => {
      const ws = await newWorkspace(t.app);
      const form = await setupForm(ws);
      const ip = nextIp();
      const codes: number[] = [];
      for (let i = 0; i < 21; i++) codes.push((await publicPost(form.id, { firstName: `R${i}` }, { ip })).statusCode);
      expect(codes.slice(0, 20).every((c) => c === 400)).toBe(true);
      expect(codes[20]).toBe(429);
      expectProblem(await publicPost(form.id, { firstName: "R" }, { ip }), 429, "rate_limited");
      expect((await publicPost(form.id, { firstName: "Other", email: "o@example.com" })).statusCode).toBe(201);

      const pre = await t.app.inject({ method: "OPTIONS", url: `/api/public/forms/${form.id}/submissions`, headers: { origin: "https://www.example.org" } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers["access-control-allow-origin"]).toBe("*");
      const page = await t.app.inject({ method: "GET", url: `/forms/${form.id}?utm_source=ads`, headers: { referer: "https://x.example/" } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`action="/api/public/forms/${form.id}/submissions"`);
      expect(page.body).toContain('name="utm_source" value="ads"');
      expect(page.body).toContain(`name="${HONEYPOT_FIELD}"`);
      expect((await t.app.inject({ method: "GET", url: "/forms/01a20000-0000-7000-8000-000000000000" })).statusCode).toBe(404);
    });

    it("validates forms and keeps them in their workspace", async () => {
      const ws = await newWorkspace(t.app);
      const noEmail = expectProblem(await ws.post("/api/v1/forms", { name: "x", fields: [{ key: "firstName", label: "Name" }] }), 400);
      expect(JSON.stringify(noEmail.errors)).toContain("email field");
      expectProblem(
        await ws.post("/api/v1/forms", {
          name: "x",
          fields: [
            { key: "email", label: "E" },
            { key: "custom.nope", label: "N" },
          ],
        }),
        400,
      );
      expectProblem(await ws.post("/api/v1/forms", { name: "x", fields: [{ key: "email", label: "E" }], redirectUrl: "javascript:alert(1)" }), 400);
      const form = await setupForm(ws);
      const stranger = await newWorkspace(t.app);
      expectProblem(await stranger.get(`/api/v1/forms/${form.id}`), 404);
      expectProblem(await stranger.get(`/api/v1/forms/${form.id}/submissions`), 404);
      expectProblem(await stranger.patch(`/api/v1/forms/${form.id}`, { name: "Mine" }), 404);
      const ro = await userWithRole(t.app, ws, "read_only");
      expect((await ro.get("/api/v1/forms")).json().data).toHaveLength(1);
      expectProblem(await ro.del(`/api/v1/forms/${form.id}`), 403);
      expect((await ws.del(`/api/v1/forms/${form.id}`)).statusCode).toBe(204);
    });
  });

  describe("convert", () => {
    it("qualifies a lead, creating the company and a deal, with history for each", async () => {
      const ws = await newWorkspace(t.app);
      const lead = (await ws.post("/api/v1/contacts", { firstName: "Conny", emails: [{ email: "conny@initech.example" }], leadSource: "event" })).json();
      const ro = await userWithRole(t.app, ws, "read_only");
      expectProblem(await ro.post(`/api/v1/contacts/${lead.id}/convert`, {}), 403);
      expectProblem(await ws.post(`/api/v1/contacts/${lead.id}/convert`, { deal: { name: "D", amount: "lots" } }), 400);
      expectProblem(await ws.post(`/api/v1/contacts/${lead.id}/convert`, { company: { name: "Initech", domain: "not a domain" } }), 400);
      const res = await ws.post(`/api/v1/contacts/${lead.id}/convert`, {
        company: { name: "Initech", domain: "initech.example" },
        deal: { name: "Initech – pilot", amount: "12000.00", currency: "eur" },
      });
      expect(res.statusCode, res.body).toBe(200);
      const out = res.json();
      expect(out).toMatchObject({ companyCreated: true, contact: { lifecycleStage: "opportunity", leadStatus: "qualified" } });
      expect(out.contact.companyId).toBe(out.companyId);
      const deal = (await ws.get(`/api/v1/deals/${out.dealId}`)).json();
      expect(deal).toMatchObject({ name: "Initech – pilot", amount: "12000.00", currency: "EUR", companyId: out.companyId, source: "event" });
      expect(deal.contacts.map((c: { contactId: string }) => c.contactId)).toEqual([lead.id]);
      const history = await t.database.db
        .select()
        .from(recordHistory)
        .where(and(eq(recordHistory.workspaceId, wsId(ws)), eq(recordHistory.recordId, lead.id)));
      expect(history.map((h) => h.action).sort()).toEqual(["create", "update"]);
      expect(history.find((h) => h.action === "update")?.changes).toEqual(
        expect.arrayContaining([
          { field: "lifecycleStage", from: "lead", to: "opportunity" },
          { field: "leadStatus", from: "new", to: "qualified" },
        ]),
      );
      for (const id of [out.companyId, out.dealId]) {
        const h = await t.database.db
          .select()
          .from(recordHistory)
          .where(and(eq(recordHistory.workspaceId, wsId(ws)), eq(recordHistory.recordId, id)));
        expect(h.map((x) => x.action)).toContain("create");
      }
      expectProblem(await ws.post(`/api/v1/contacts/${lead.id}/convert`, {}), 409, "conflict");

      // A second lead of the same company links the existing one (found by domain) instead of creating it.
      const colleague = (await ws.post("/api/v1/contacts", { firstName: "Col" })).json();
      const second = (await ws.post(`/api/v1/contacts/${colleague.id}/convert`, { company: { name: "Initech Inc", domain: "INITECH.example" } })).json();
      expect(second).toMatchObject({ companyCreated: false, companyId: out.companyId, dealId: null, contact: { lifecycleStage: "sales_qualified" } });
      const stranger = await newWorkspace(t.app);
      expectProblem(await stranger.post(`/api/v1/contacts/${colleague.id}/convert`, {}), 404);
    });
  });

  it("keeps lead sources to the fixed list, in the API and in the database", async () => {
    const ws = await newWorkspace(t.app);
    const bad = expectProblem(await ws.post("/api/v1/contacts", { firstName: "Src", leadSource: "tradeshow" }), 400);
    expect((bad.errors as { path: string }[])[0]?.path).toBe("leadSource");
    const ok = (await ws.post("/api/v1/contacts", { firstName: "Src", leadSource: "ad", leadStatus: "connected" })).json();
    expect(ok).toMatchObject({ leadSource: "ad", leadStatus: "connected" });
    await expect(
      t.database.db
        .update(contacts)
        .set({ leadSource: "tradeshow" })
        .where(and(eq(contacts.workspaceId, wsId(ws)), eq(contacts.id, ok.id))),
    ).rejects.toThrow();
    expect((await ws.get("/api/v1/leads?leadSource=ad&leadStatus=connected")).json().data).toHaveLength(1);
    const customer = (await ws.post("/api/v1/contacts", { firstName: "Cust", lifecycleStage: "customer" })).json();
    expect(customer.leadStatus).toBeNull();
    expect((await ws.get("/api/v1/leads")).json().data.map((c: { id: string }) => c.id)).not.toContain(customer.id);
  });

  it("imports map lead-source aliases and reject unknown sources with the allowed list", () => {
    const plan = {
      object: "contact",
      columns: [
        { index: 0, header: "Email", target: "email" },
        { index: 1, header: "Lead Source", target: "leadSource" },
      ],
      options: { mapping: {}, match: "email", onDuplicate: "skip", dateFormat: "auto", numberFormat: "auto", createMissingCompanies: false },
      defs: new Map(),
      dates: new Map(),
      primary: {},
    } as unknown as Plan;
    expect(buildRow(plan, ["a@example.com", "Trade Show"]).input).toMatchObject({ leadSource: "event" });
    expect(buildRow(plan, ["b@example.com", ""]).input).toMatchObject({ leadSource: "import" });
    const bad = buildRow(plan, ["c@example.com", "Carrier pigeon"]);
    expect(bad.input).toBeUndefined();
    expect(bad.errors.join()).toContain('"Carrier pigeon" is not a lead source (web_form, referral, cold_call, event, ad, import, api, other)');
  });
});
