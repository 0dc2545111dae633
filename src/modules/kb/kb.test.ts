import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { articleText, slugify } from "./service.js";

type Summary = { id: string; title: string; slug: string; status: string; visibility: string; version: number; excerpt: string; publicUrl: string | null };

describe("article text and slugs", () => {
  it("reads HTML as plain text with block breaks and decoded entities", () => {
    expect(articleText("<h2>Reset</h2><p>Press <b>Ctrl</b> &amp; <i>Alt</i></p><ul><li>one</li><li>two</li></ul>")).toBe("Reset\nPress Ctrl & Alt\none\ntwo");
    expect(articleText("<script>alert(1)</script><p>safe</p>")).toBe("safe");
  });
  it("makes readable ASCII slugs", () => {
    expect(slugify("Résumé: how to reset your password?")).toBe("resume-how-to-reset-your-password");
    expect(slugify("日本語")).toBe("article");
  });
});

describe.each(databaseKinds)("knowledge base on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let slug: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    slug = (await admin.get("/api/v1/workspace")).json().slug;
  });
  afterAll(() => t.close());

  const article = async (c: Client, body: Record<string, unknown>) => {
    const res = await c.post("/api/v1/kb/articles", body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };

  it("writes, versions, publishes and restores an article, sanitising its body", async () => {
    const cat = await admin.post("/api/v1/kb/categories", { name: "Billing" });
    expect(cat.statusCode, cat.body).toBe(201);
    const a = await article(admin, {
      title: "How to update your card",
      bodyHtml: `<p>Open <b>Billing</b> <img src=x onerror="alert(1)"><script>steal()</script><a href="javascript:alert(1)">here</a></p>`,
      categoryId: cat.json().id,
    });
    expect(a).toMatchObject({ status: "draft", visibility: "internal", version: 1, slug: "how-to-update-your-card", categoryName: "Billing", publicUrl: null });
    expect(a.bodyHtml).not.toMatch(/script|onerror|javascript:|<img/);

    const edited = await admin.patch(`/api/v1/kb/articles/${a.id}`, { bodyHtml: "<p>Open <b>Settings → Billing</b>.</p>", expectedVersion: 1 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().version).toBe(2);
    // Someone still holding version 1 is told, not overwritten.
    expectProblem(await admin.patch(`/api/v1/kb/articles/${a.id}`, { title: "Stale", expectedVersion: 1 }), 409, "conflict");

    // Publishing a public article is not a new version and puts it in the help centre, with a stable address.
    const published = await admin.patch(`/api/v1/kb/articles/${a.id}`, { status: "published", visibility: "public", title: "Update your card" });
    expect(published.json()).toMatchObject({
      status: "published",
      version: 3,
      slug: "how-to-update-your-card",
      publicUrl: `/help/${slug}/articles/how-to-update-your-card`,
    });

    const versions = (await admin.get(`/api/v1/kb/articles/${a.id}/versions`)).json().data;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const restored = await admin.post(`/api/v1/kb/articles/${a.id}/versions/2/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ version: 4, title: "How to update your card", bodyHtml: "<p>Open <b>Settings → Billing</b>.</p>" });
    expectProblem(await admin.post(`/api/v1/kb/articles/${a.id}/versions/99/restore`), 404, "not_found");

    const counted = (await admin.get("/api/v1/kb/categories")).json().data.find((c: { id: string }) => c.id === cat.json().id);
    expect(counted.articleCount).toBe(1);

    // Each change is in the history (and so in the audit log and on the event stream).
    const history = await t.database.db.query.recordHistory.findMany({ where: (h, { eq }) => eq(h.recordId, a.id) });
    expect(history.map((h) => h.action).sort()).toEqual(["create", "update", "update", "update"]);
  });

  it("searches with stemming, ranks title matches first, pages by keyset and suggests articles for a ticket's text", async () => {
    const ws = await newWorkspace(t.app);
    const printer = await article(ws, { title: "Printer offline", bodyHtml: "<p>Restart the spooler and reconnect the printers.</p>", status: "published" });
    const mention = await article(ws, { title: "Office supplies", bodyHtml: "<p>Paper for the printer is in room 4.</p>", status: "published" });
    await article(ws, { title: "Expenses", bodyHtml: "<p>Submit receipts monthly.</p>", status: "published" });
    const draft = await article(ws, { title: "Printer drivers (draft)", bodyHtml: "<p>Work in progress.</p>" });

    // Title and body beat title alone, which beats body alone; drafts are found in the app.
    const found = (await ws.get("/api/v1/kb/articles?q=printers")).json().data.map((x: Summary) => x.id);
    expect(found).toEqual([printer.id, draft.id, mention.id]);
    // When no article has every word, those with some of them are shown.
    const some = (await ws.get(`/api/v1/kb/articles?q=${encodeURIComponent("spooler quantum")}`)).json().data.map((x: Summary) => x.id);
    expect(some).toEqual([printer.id]);

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await ws.get(`/api/v1/kb/articles?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      pages.push(...res.json().data.map((x: Summary) => x.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(new Set(pages).size).toBe(4);

    // A ticket's words: only some match, in any order; drafts are not suggested.
    const text = encodeURIComponent("Subject: my printer says offline again\n\nHi, since Monday nothing prints. Thanks, Ann");
    const suggested = (await ws.get(`/api/v1/kb/suggestions?text=${text}`)).json().data.map((x: Summary) => x.id);
    expect(suggested[0]).toBe(printer.id);
    expect(suggested).not.toContain(draft.id);
    // Text with no words at all suggests nothing, rather than failing.
    const none = await ws.get(`/api/v1/kb/suggestions?text=${encodeURIComponent("?! ... ''' \\ : & |")}`);
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json().data).toEqual([]);
    // Search syntax from a user never reaches SQL as syntax.
    const odd = await ws.get(`/api/v1/kb/articles?q=${encodeURIComponent("printer & ) ( !:* <->")}`);
    expect(odd.statusCode, odd.body).toBe(200);
  });

  it("shows only published public articles in the help centre, and answers 404 for drafts, internal ones and when switched off", async () => {
    const ws = await newWorkspace(t.app);
    const wsSlug = (await ws.get("/api/v1/workspace")).json().slug;
    const cat = (await ws.post("/api/v1/kb/categories", { name: "Getting started" })).json();
    await article(ws, { title: "Welcome <aboard>", bodyHtml: "<p>Hello <em>there</em>.</p>", status: "published", visibility: "public", categoryId: cat.id });
    await article(ws, { title: "Internal escalation policy", bodyHtml: "<p>Secret phone numbers.</p>", status: "published" });
    await article(ws, { title: "Unfinished public draft", bodyHtml: "<p>Soon.</p>", visibility: "public" });

    const home = await t.app.inject({ method: "GET", url: `/help/${wsSlug}` });
    expect(home.statusCode).toBe(200);
    expect(home.headers["content-type"]).toMatch(/text\/html/);
    expect(home.body).toContain("Getting started");
    expect(home.body).toContain("Welcome &lt;aboard&gt;");
    expect(home.body).not.toContain("escalation");
    expect(home.body).not.toContain("Unfinished");

    const page = await t.app.inject({ method: "GET", url: `/help/${wsSlug}/articles/welcome-aboard` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<p>Hello <em>there</em>.</p>");
    expect((await t.app.inject({ method: "GET", url: `/help/${wsSlug}/articles/internal-escalation-policy` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: `/help/${wsSlug}/articles/unfinished-public-draft` })).statusCode).toBe(404);

    const search = await t.app.inject({ method: "GET", url: `/help/${wsSlug}/search?q=${encodeURIComponent("hello <script>")}` });
    expect(search.statusCode).toBe(200);
    expect(search.body).toContain("Welcome &lt;aboard&gt;");
    expect(search.body).not.toContain("<script>");
    expect((await t.app.inject({ method: "GET", url: `/help/${wsSlug}/search?q=${encodeURIComponent("escalation")}` })).body).not.toContain(
      "escalation policy",
    );

    // Another workspace's help centre never shows this one's articles.
    const other = (await admin.get("/api/v1/workspace")).json().slug;
    expect((await t.app.inject({ method: "GET", url: `/help/${other}/articles/welcome-aboard` })).statusCode).toBe(404);

    const off = await ws.patch("/api/v1/kb/settings", { enabled: false });
    expect(off.json().enabled).toBe(false);
    expect((await t.app.inject({ method: "GET", url: `/help/${wsSlug}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/help/no-such-workspace" })).statusCode).toBe(404);
  });

  it("follows the roles: support writes and edits any article, sales reads, read-only cannot write, categories need an editor of all", async () => {
    const ws = await newWorkspace(t.app);
    const support = await userWithRole(t.app, ws, "support");
    const sales = await userWithRole(t.app, ws, "sales");
    const readOnly = await userWithRole(t.app, ws, "read_only");
    const mine = await article(ws, { title: "Admin's article", bodyHtml: "<p>x</p>", status: "published" });
    const bySupport = await article(support, { title: "Support's article", bodyHtml: "<p>y</p>" });
    expect((await support.patch(`/api/v1/kb/articles/${mine.id}`, { title: "Improved by support" })).statusCode).toBe(200);
    expectProblem(await support.del(`/api/v1/kb/articles/${mine.id}`), 403, "forbidden");
    expect((await support.del(`/api/v1/kb/articles/${bySupport.id}`)).statusCode).toBe(204);
    expect((await sales.get(`/api/v1/kb/articles/${mine.id}`)).statusCode).toBe(200);
    expectProblem(await sales.patch(`/api/v1/kb/articles/${mine.id}`, { title: "no" }), 403, "forbidden");
    expectProblem(await readOnly.post("/api/v1/kb/articles", { title: "no" }), 403, "forbidden");
    expect((await support.post("/api/v1/kb/categories", { name: "FAQ" })).statusCode).toBe(201);
    expectProblem(await sales.post("/api/v1/kb/categories", { name: "Sales FAQ" }), 403, "forbidden");
    expectProblem(await sales.patch("/api/v1/kb/settings", { enabled: false }), 403, "forbidden");
    // Another workspace's article is not found, not forbidden.
    expectProblem(await admin.get(`/api/v1/kb/articles/${mine.id}`), 404, "not_found");
  });

  it("refuses bad input with problem details", async () => {
    expectProblem(await admin.post("/api/v1/kb/articles", { title: "   " }), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/kb/articles", { title: "x", visibility: "everyone" }), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/kb/articles", { title: "x", categoryId: "0190b0a0-0000-7000-8000-000000000000" }), 422, "invalid_reference");
    await admin.post("/api/v1/kb/categories", { name: "Dupes" });
    expectProblem(await admin.post("/api/v1/kb/categories", { name: "dupes" }), 409, "conflict");
    expectProblem(await admin.get("/api/v1/kb/articles?cursor=garbage"), 400, "validation_failed");
    // Same titles get their own addresses.
    const one = await article(admin, { title: "Same title" });
    const two = await article(admin, { title: "Same title" });
    expect([one.slug, two.slug]).toEqual(["same-title", "same-title-2"]);
  });
});
