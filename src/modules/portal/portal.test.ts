import { and, eq } from "drizzle-orm";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemActor } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { mailMessages } from "../mail/table.js";
import { addTicketMessage, createTicket, listTicketMessages } from "../tickets/service.js";
import { LINKS_PER_HOUR, redeemPortalLink } from "./service.js";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe.each(databaseKinds)("customer portal on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let workspaceId: string;
  let slug: string;
  let ctx: Ctx;
  let ann: { id: string };
  let bob: { id: string };
  let companyId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const ws = (await admin.get("/api/v1/workspace")).json();
    workspaceId = ws.id;
    slug = ws.slug;
    ctx = { db: t.database.db, workspaceId, actor: systemActor };
    companyId = (await admin.post("/api/v1/companies", { name: "Acme" })).json().id;
    ann = (await admin.post("/api/v1/contacts", { firstName: "Ann", lastName: "Able", emails: [{ email: "ann@acme.test" }], companyId })).json();
    bob = (await admin.post("/api/v1/contacts", { firstName: "Bob", lastName: "Bee", emails: [{ email: "bob@acme.test" }], companyId })).json();
  });
  afterAll(() => t.close());

  const portal = (path = "") => `/help/${slug}/portal${path}`;
  const post = (url: string, form: Record<string, string>, cookie?: string) =>
    t.app.inject({ method: "POST", url, headers: { ...FORM, ...(cookie ? { cookie } : {}) }, payload: new URLSearchParams(form).toString() });
  const get = (url: string, cookie?: string) => t.app.inject({ method: "GET", url, headers: cookie ? { cookie } : {} });
  const linksTo = async (email: string) =>
    (
      await t.database.db
        .select()
        .from(mailMessages)
        .where(and(eq(mailMessages.workspaceId, workspaceId), eq(mailMessages.kind, "portal_link")))
    )
      .filter((m) => m.toAddresses.some((a) => a.address === email))
      .map((m) => /https?:\/\/\S+\/auth\?token=\S+/.exec(m.text ?? "")?.[0] ?? "");
  const cookieOf = (res: LightMyRequestResponse) => {
    const c = res.cookies.find((x) => x.name === "rapport_portal");
    if (!c) throw new Error(`no portal cookie (${res.statusCode}: ${res.body.slice(0, 300)})`);
    expect(c.httpOnly).toBe(true);
    expect(c.path).toBe(`/help/${slug}/portal`);
    return `rapport_portal=${c.value}`;
  };
  const signIn = async (email: string) => {
    expect((await post(portal("/link"), { email })).statusCode).toBe(200);
    const link = (await linksTo(email)).at(-1) as string;
    const res = await get(link.replace(/^https?:\/\/[^/]+/, ""));
    expect(res.statusCode, res.body).toBe(303);
    return cookieOf(res);
  };
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

  it("mails a one-time sign-in link to a known address and answers the same for an unknown one", async () => {
    const known = await post(portal("/link"), { email: "Ann@Acme.test" });
    const unknown = await post(portal("/link"), { email: "mallory@evil.test" });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(known.body.replace(/ann@acme\.test|Ann@Acme\.test/gi, "X")).toBe(unknown.body.replace(/mallory@evil\.test/g, "X"));
    expect(await linksTo("mallory@evil.test")).toEqual([]);
    const [link] = await linksTo("ann@acme.test");
    expect(link).toMatch(new RegExp(`/help/${slug}/portal/auth\\?token=`));
    const path = (link as string).replace(/^https?:\/\/[^/]+/, "");
    const first = await get(path);
    expect(first.statusCode).toBe(303);
    cookieOf(first);
    // A link works once.
    const again = await get(path);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain("expired or was used");
    // Forged, truncated or another workspace's tokens are refused with a readable page.
    expect((await get(portal("/auth?token=garbage"))).statusCode).toBe(400);
    expect((await get(portal(`/auth?token=${workspaceId}.${"x".repeat(43)}`))).statusCode).toBe(410);
    expect((await get(portal("/auth?token=0190b0a0-0000-7000-8000-000000000000.abcdefghijklmnopqrstuvwxyz"))).statusCode).toBe(400);
  });

  it("lets a link expire after its time, moved forward by the test", async () => {
    await post(portal("/link"), { email: "bob@acme.test" });
    const link = (await linksTo("bob@acme.test")).at(-1) as string;
    const secret = decodeURIComponent(link.split("token=")[1] as string).split(".")[1] as string;
    await expect(redeemPortalLink(t.database.db, workspaceId, secret, new Date(Date.now() + 31 * 60_000))).rejects.toMatchObject({ code: "link_expired" });
    // Still unused: within its time it works.
    await expect(redeemPortalLink(t.database.db, workspaceId, secret)).resolves.toMatchObject({ session: { contactId: bob.id } });
  });

  it("shows a customer their own tickets and public replies, never internal notes or others' tickets", async () => {
    const mine = await createTicket(ctx, { subject: "Printer on fire", contactId: ann.id, message: { bodyText: "Smoke everywhere" } });
    await addTicketMessage(ctx, mine.id, { kind: "note", direction: "out", bodyText: "INTERNAL: customer is difficult" });
    await addTicketMessage(ctx, mine.id, { kind: "reply", direction: "out", bodyText: "Please unplug it." });
    const bobs = await createTicket(ctx, { subject: "Bob's secret request", contactId: bob.id, message: { bodyText: "private" } });
    const cookie = await signIn("ann@acme.test");

    const list = await get(portal("/tickets"), cookie);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain("Printer on fire");
    expect(list.body).not.toContain("secret request");

    const page = await get(portal(`/tickets/${mine.number}`), cookie);
    expect(page.body).toContain("Smoke everywhere");
    expect(page.body).toContain("Please unplug it.");
    expect(page.body).not.toContain("INTERNAL");
    // Another customer's ticket is not found, as a number that does not exist.
    expect((await get(portal(`/tickets/${bobs.number}`), cookie)).statusCode).toBe(404);
    expect((await get(portal("/tickets/999999"), cookie)).statusCode).toBe(404);
    // Without a session, the portal asks to sign in.
    expect((await get(portal("/tickets"))).headers.location).toBe(portal());

    // With the admin's permission, colleagues of the same company see each other's tickets.
    expect((await admin.patch("/api/v1/kb/settings", { portalCompanyTickets: true })).json().portalCompanyTickets).toBe(true);
    const shared = await get(portal("/tickets"), cookie);
    expect(shared.body).toContain("secret request");
    expect((await get(portal(`/tickets/${bobs.number}`), cookie)).statusCode).toBe(200);
    await admin.patch("/api/v1/kb/settings", { portalCompanyTickets: false });
  });

  it("opens tickets and takes replies from the portal, with the session's form token", async () => {
    const cookie = await signIn("ann@acme.test");
    const form = await get(portal("/tickets/new"), cookie);
    const csrf = csrfOf(form.body);
    expect(csrf).not.toBe("");
    // A post without the form token (another site's page posting with the customer's cookie) is refused.
    expect((await post(portal("/tickets"), { subject: "Forged", body: "x" }, cookie)).statusCode).toBe(403);
    const empty = await post(portal("/tickets"), { _csrf: csrf, subject: "", body: "" }, cookie);
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("Say in a few words");
    const made = await post(portal("/tickets"), { _csrf: csrf, subject: "Need an invoice <copy>", body: "For March, please." }, cookie);
    expect(made.statusCode).toBe(303);
    const number = Number(String(made.headers.location).split("/").at(-1));
    const page = await get(portal(`/tickets/${number}`), cookie);
    expect(page.body).toContain("Need an invoice &lt;copy&gt;");
    const replied = await post(portal(`/tickets/${number}/replies`), { _csrf: csrf, body: "Also for April." }, cookie);
    expect(replied.statusCode).toBe(303);
    const ticket = (await import("../tickets/service.js")).findTicketByNumber(ctx, number);
    const found = await ticket;
    expect(found).toMatchObject({ channel: "portal", contactId: ann.id });
    const messages = await listTicketMessages(ctx, found?.id as string);
    expect(messages.map((m) => [m.direction, m.authorContactId, m.bodyText])).toEqual([
      ["in", ann.id, "For March, please."],
      ["in", ann.id, "Also for April."],
    ]);
    // Signing out ends the session on the server, not only in the browser.
    expect((await post(portal("/sign-out"), { _csrf: csrf }, cookie)).statusCode).toBe(303);
    expect((await get(portal("/tickets"), cookie)).headers.location).toBe(portal());
  });

  it("keeps workspaces apart and limits links per address", async () => {
    const other = await newWorkspace(t.app);
    const otherSlug = (await other.get("/api/v1/workspace")).json().slug;
    const cookie = await signIn("ann@acme.test");
    // Ann's cookie is scoped to this workspace's portal: elsewhere she is a stranger.
    const res = await get(`/help/${otherSlug}/portal/tickets`, cookie);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/help/${otherSlug}/portal`);
    expect((await get("/help/no-such-workspace/portal")).statusCode).toBe(404);

    await admin.post("/api/v1/contacts", { firstName: "Cy", emails: [{ email: "cy@acme.test" }] });
    // From many networks at once (each under the per-IP limit), one address still gets only so many links an hour.
    for (let i = 0; i < LINKS_PER_HOUR + 2; i++) {
      const res = await t.app.inject({
        method: "POST",
        url: portal("/link"),
        headers: FORM,
        payload: "email=cy%40acme.test",
        remoteAddress: `198.51.100.${i + 1}`,
      });
      expect(res.statusCode).toBe(200);
    }
    expect(await linksTo("cy@acme.test")).toHaveLength(LINKS_PER_HOUR);
    // And one network cannot hammer the form: the per-IP limit answers 429 with a readable page.
    let status = 0;
    for (let i = 0; i < 15 && status !== 429; i++) status = (await post(portal("/link"), { email: "nobody@acme.test" })).statusCode;
    expect(status).toBe(429);
  });
});
