import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemActor } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { dispatchEvents } from "../events/service.js";
import { publishEvents } from "../history/service.js";
import { consentFlagConsumer, mailFeedbackConsumer } from "./consumer.js";
import { consentPredicate, isSuppressed, signContactToken, suppressedPredicate } from "./service.js";

const FORM = "application/x-www-form-urlencoded";

describe.each(databaseKinds)("consent and suppression on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
    // The consumers start at the present: read once so the events published below reach them.
    await dispatchEvents(t.database.db, [mailFeedbackConsumer, consentFlagConsumer]);
  });
  afterAll(async () => t?.close());

  const setup = async () => {
    const w = await newWorkspace(t.app);
    const me = w.session.me as { workspace: { id: string; slug: string } };
    const contact = (await w.post("/api/v1/contacts", { firstName: "Pia", emails: [{ email: "Pia@Example.com" }] })).json();
    return { w, ws: me.workspace, contactId: contact.id as string };
  };

  it("records consent per channel and topic with source and proof; the latest record is the consent now", async () => {
    const { w, contactId } = await setup();
    const topic = (await w.post("/api/v1/consent/topics", { name: "Newsletter", description: "Monthly news" })).json();
    expectProblem(await w.post("/api/v1/consent/topics", { name: "newsletter" }), 409, "conflict");
    let res = await w.post(`/api/v1/contacts/${contactId}/consent`, {
      channel: "email",
      topicId: topic.id,
      status: "granted",
      source: "form",
      formId: "f-1",
      ip: "192.0.2.1",
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ channel: "email", topicName: "Newsletter", status: "granted", source: "form", formId: "f-1", ip: "192.0.2.1" });
    res = await w.post(`/api/v1/contacts/${contactId}/consent`, { channel: "sms", status: "denied" });
    expect(res.json().source).toBe("manual");
    res = await w.post(`/api/v1/contacts/${contactId}/consent`, { channel: "email", topicId: topic.id, status: "denied" });
    const consent = (await w.get(`/api/v1/contacts/${contactId}/consent`)).json();
    expect(consent.history).toHaveLength(3);
    expect(consent.current.map((c: { channel: string; status: string }) => `${c.channel}:${c.status}`).sort()).toEqual(["email:denied", "sms:denied"]);
    expect(consent.suppressed).toBeNull();
    expectProblem(await w.post(`/api/v1/contacts/${contactId}/consent`, { channel: "fax", status: "granted" }), 400, "validation_failed");
    expectProblem(
      await w.post(`/api/v1/contacts/${contactId}/consent`, { channel: "email", topicId: "00000000-0000-7000-8000-000000000000", status: "granted" }),
      400,
      "validation_failed",
    );
    // Roles: sales reads, cannot record; another workspace sees nothing.
    const sales = await userWithRole(t.app, w, "sales");
    expect((await sales.get(`/api/v1/contacts/${contactId}/consent`)).statusCode).toBe(200);
    expectProblem(await sales.post(`/api/v1/contacts/${contactId}/consent`, { channel: "email", status: "granted" }), 403, "forbidden");
    const other = await newWorkspace(t.app);
    expectProblem(await other.get(`/api/v1/contacts/${contactId}/consent`), 404);
  });

  it("keeps a suppression list with its audit trail, and a predicate sends can use", async () => {
    const { w, ws } = await setup();
    expectProblem(await w.post("/api/v1/suppressions", { address: "not an address" }), 400, "validation_failed");
    const added = await w.post("/api/v1/suppressions", { address: "Spam@Example.org", note: "Asked by phone" });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ address: "spam@example.org", reason: "manual", note: "Asked by phone", createdByName: "Ada Admin" });
    expectProblem(await w.post("/api/v1/suppressions", { address: "spam@example.org" }), 409, "conflict");
    expect(await isSuppressed(t.database.db, ws.id, "SPAM@example.org")).toBe("manual");
    const [hit] = await queryRows<{ s: boolean }>(t.database.db, sql`select ${suppressedPredicate(ws.id, sql`${"Spam@example.org"}::text`)} as s`);
    expect(hit?.s).toBe(true);
    expect((await w.get("/api/v1/suppressions?q=spam")).json().data).toHaveLength(1);
    expect((await w.del(`/api/v1/suppressions/${encodeURIComponent("spam@example.org")}`)).statusCode).toBe(204);
    expect(await isSuppressed(t.database.db, ws.id, "spam@example.org")).toBeNull();
    const log = (await w.get("/api/v1/suppressions/log")).json().data;
    expect(log.map((l: { action: string; actorName: string }) => `${l.action}:${l.actorName}`)).toEqual(["removed:Ada Admin", "added:Ada Admin"]);
    const ro = await userWithRole(t.app, w, "read_only");
    expect((await ro.get("/api/v1/suppressions")).statusCode).toBe(200);
    expectProblem(await ro.post("/api/v1/suppressions", { address: "x@example.org" }), 403, "forbidden");
  });

  it("suppresses on mail.complained and hard bounces, and after repeated soft bounces (events from the mail side)", async () => {
    const { ws } = await setup();
    const ctx: Ctx = { db: t.database.db, workspaceId: ws.id, actor: systemActor };
    const publish = (type: "mail.bounced" | "mail.complained", record: Record<string, unknown>) =>
      t.database.db.transaction((tx) => publishEvents(tx, ctx, [{ type, recordId: "00000000-0000-7000-8000-000000000001", record }]));
    await publish("mail.complained", { address: "Angry@Example.com", kind: "hard", reason: "abuse", messageId: "<m1@x>" });
    await publish("mail.bounced", { address: "gone@example.com", kind: "hard", reason: "5.1.1 user unknown" });
    for (let i = 0; i < 2; i++) await publish("mail.bounced", { address: "full@example.com", kind: "soft", reason: "4.2.2 mailbox full" });
    // A malformed payload is skipped, not a crash.
    await publish("mail.bounced", { nonsense: true });
    await dispatchEvents(t.database.db, [mailFeedbackConsumer]);
    expect(await isSuppressed(t.database.db, ws.id, "angry@example.com")).toBe("complained");
    expect(await isSuppressed(t.database.db, ws.id, "gone@example.com")).toBe("hard_bounced");
    expect(await isSuppressed(t.database.db, ws.id, "full@example.com")).toBeNull();
    await publish("mail.bounced", { address: "full@example.com", kind: "soft", reason: "4.2.2 mailbox full" });
    await dispatchEvents(t.database.db, [mailFeedbackConsumer]);
    expect(await isSuppressed(t.database.db, ws.id, "full@example.com")).toBe("hard_bounced");
  });

  it("turns the email-consent checkbox (by hand or an import column) into consent records with their source", async () => {
    const { w, contactId } = await setup();
    const ticked = (await w.post("/api/v1/contacts", { firstName: "Tick", emailConsent: true })).json().id as string;
    expect((await w.patch(`/api/v1/contacts/${contactId}`, { emailConsent: true })).statusCode).toBe(200);
    await dispatchEvents(t.database.db, [consentFlagConsumer]);
    const a = (await w.get(`/api/v1/contacts/${ticked}/consent`)).json();
    expect(a.current).toMatchObject([{ channel: "email", status: "granted", source: "manual" }]);
    expect((await w.get(`/api/v1/contacts/${contactId}/consent`)).json().current[0]).toMatchObject({ status: "granted" });
  });

  it("serves a signed preference page: topics on and off, unsubscribe from all, forged and expired links", async () => {
    const { w, ws, contactId } = await setup();
    const news = (await w.post("/api/v1/consent/topics", { name: "Newsletter" })).json();
    const events = (await w.post("/api/v1/consent/topics", { name: "Events" })).json();
    const link = await w.post(`/api/v1/contacts/${contactId}/preference-link`);
    expect(link.statusCode, link.body).toBe(200);
    const path = new URL(link.json().url).pathname + new URL(link.json().url).search;
    const token = new URL(link.json().url).searchParams.get("token") as string;
    let page = await t.app.inject({ method: "GET", url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Newsletter");
    expect(page.body).toContain("pia@example.com");
    expect(page.headers["cache-control"]).toBe("no-store");
    const post = (body: string) => t.app.inject({ method: "POST", url: `/preferences/${ws.slug}`, headers: { "content-type": FORM }, payload: body });
    page = await post(`token=${encodeURIComponent(token)}&action=save&topic=${news.id}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(page.body).toContain("Your choices are saved");
    let consent = (await w.get(`/api/v1/contacts/${contactId}/consent`)).json();
    expect(consent.current).toMatchObject([{ topicId: news.id, status: "granted", source: "preference_page" }]);
    // Campaign predicate: not refused now.
    const [ok] = await queryRows<{ ok: boolean }>(
      t.database.db,
      sql`select ${consentPredicate(ws.id, sql`${contactId}::uuid`, "email", { topicId: news.id, requireGrant: true })} as ok`,
    );
    expect(ok?.ok).toBe(true);
    page = await post(`token=${encodeURIComponent(token)}&action=unsubscribe_all`);
    expect(page.body).toContain('data-status="unsubscribed"');
    consent = (await w.get(`/api/v1/contacts/${contactId}/consent`)).json();
    expect(consent.suppressed).toMatchObject({ address: "pia@example.com", reason: "unsubscribed" });
    expect(consent.current.find((c: { topicId: string | null }) => c.topicId === null)).toMatchObject({
      channel: "email",
      status: "denied",
      source: "preference_page",
    });
    const [refused] = await queryRows<{ ok: boolean }>(t.database.db, sql`select ${consentPredicate(ws.id, sql`${contactId}::uuid`, "email")} as ok`);
    expect(refused?.ok).toBe(false);
    // Choosing a topic again lifts the unsubscribe.
    page = await post(`token=${encodeURIComponent(token)}&action=save&topic=${events.id}`);
    expect(page.body).toContain('data-status="subscribed"');
    expect((await w.get(`/api/v1/contacts/${contactId}/consent`)).json().suppressed).toBeNull();

    // Forged, foreign and expired links: a clear page that names no one.
    const forged = `${token.slice(0, -3)}AAA`;
    for (const url of [
      `/preferences/${ws.slug}?token=${encodeURIComponent(forged)}`,
      `/preferences/${ws.slug}`,
      `/preferences/no-such-workspace?token=${token}`,
    ]) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain("This link is not valid");
      expect(res.body).not.toContain("pia@example.com");
    }
    const otherWs = await newWorkspace(t.app);
    const foreign = await t.app.inject({
      method: "GET",
      url: `/preferences/${(otherWs.session.me as { workspace: { slug: string } }).workspace.slug}?token=${token}`,
    });
    expect(foreign.statusCode).toBe(400);
    const old = await signContactToken(t.database.db, ws.id, "preferences", contactId, new Date(Date.now() - 1000));
    const expired = await t.app.inject({ method: "GET", url: `/preferences/${ws.slug}?token=${encodeURIComponent(old)}` });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain("This link has expired");
    expect(expired.body).not.toContain("pia@example.com");
    const forgedPost = await post(`token=${encodeURIComponent(forged)}&action=unsubscribe_all`);
    expect(forgedPost.statusCode).toBe(400);
  });
});
