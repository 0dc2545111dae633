import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { client, createTestApp, databaseKinds, expectProblem, newWorkspace, signIn, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { ssoConfigs, ssoFlows } from "./table.js";
import { startTestProvider, TestBrowser, type TestProvider } from "./testing.js";

const APP = "http://rapport.test";
const CALLBACK = `${APP}/api/v1/auth/sso/callback`;
const SECRET_KEY = "test-secret-key-for-sealing-0123456789";

describe.each(databaseKinds)("single sign-on with OpenID Connect on %s", (kind) => {
  let t: TestApp;
  let idp: TestProvider;
  let admin: Awaited<ReturnType<typeof newWorkspace>>;
  let domain: string;
  let ws: string;

  const browser = () =>
    new TestBrowser(APP, async (req) => {
      const res = await t.app.inject({ method: req.method as "GET" | "POST", url: req.url, headers: req.headers, payload: req.body });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    });
  /** A person with this login at the provider. */
  const account = (email: string, extra: { emailVerified?: boolean; name?: string } = {}) => {
    const login = unique("acct");
    idp.accounts.set(login, { email, ...extra });
    return login;
  };
  const configure = (body: Record<string, unknown> = {}) =>
    admin.call("PUT", "/api/v1/sso", {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: [domain],
      defaultRole: "support",
      ...body,
    });
  /** Starts at the sign-in page's discovery and stops at the redirect back to the app, unfollowed. */
  async function toCallback(b: TestBrowser, email: string, login: string) {
    const found = await t.app.inject({ method: "POST", url: "/api/v1/auth/sso/discover", payload: { email } });
    expect(found.statusCode, found.body).toBe(200);
    const start = found.json().workspaces.find((w: { id: string }) => w.id === ws)?.startUrl as string;
    expect(start).toBeDefined();
    const page = await b.go(start);
    expect(page.url.startsWith(idp.issuer), page.url).toBe(true);
    const back = await b.signInAtProvider(page, login);
    expect(back.location?.startsWith(CALLBACK)).toBe(true);
    return back.location as string;
  }
  /** The callback and where it lands: a signed-in app, or the sign-in page with an error code. */
  async function land(b: TestBrowser, callback: string) {
    const res = await b.hop(callback);
    expect(res.status).toBe(303);
    const to = new URL(res.location as string);
    const session = b.jar(APP).get("rapport_session");
    return { path: to.pathname, error: to.searchParams.get("ssoError"), me: session ? client(t.app, { cookie: `rapport_session=${session}` }) : null };
  }

  beforeAll(async () => {
    t = await createTestApp(kind, { publicUrl: APP, secretKey: SECRET_KEY });
    idp = await startTestProvider([CALLBACK]);
    admin = await newWorkspace(t.app, "Acme SSO");
    ws = admin.session.me?.workspace.id as string;
    domain = `${unique("acme")}.test`.toLowerCase();
  });
  afterAll(async () => {
    await idp.close();
    await t.close();
  });

  it("lets an admin configure the provider; the client secret is sealed at rest and never returned", async () => {
    const empty = await admin.get("/api/v1/sso");
    expect(empty.json()).toEqual({ config: null, redirectUri: CALLBACK });
    const saved = await configure();
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().config).toMatchObject({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecretSet: true,
      allowedDomains: [domain],
      defaultRole: "support",
      requireSso: false,
    });
    expect(saved.body).not.toContain(idp.clientSecret);
    expect((await admin.get("/api/v1/sso")).body).not.toContain(idp.clientSecret);
    const [row] = await t.database.db.select().from(ssoConfigs).where(eq(ssoConfigs.workspaceId, ws));
    expect(row?.clientSecret.startsWith("enc:v1:")).toBe(true);
    expect(row?.clientSecret).not.toContain(idp.clientSecret);
    // Nor in history or events.
    const leaks = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from outbox_events where workspace_id = ${ws} and payload::text like ${`%${idp.clientSecret}%`}`,
    );
    expect(leaks[0]?.n).toBe(0);
    const events = await queryRows<{ type: string }>(
      t.database.db,
      sql`select type from outbox_events where workspace_id = ${ws} and type = 'sso_settings.updated'`,
    );
    expect(events.length).toBe(1);
    // Saving again without a secret keeps the stored one.
    const again = await configure({ clientSecret: undefined });
    expect(again.statusCode, again.body).toBe(200);
  });

  it("refuses a provider that cannot be read, plain http off this machine, and non-admins", async () => {
    expectProblem(await configure({ issuer: "http://127.0.0.1:9/nothing" }), 400, "validation_failed");
    expectProblem(await configure({ issuer: "http://idp.example.com" }), 400, "validation_failed");
    const rep = await userWithRole(t.app, admin, "manager");
    expectProblem(await rep.get("/api/v1/sso"), 403, "forbidden");
  });

  it("signs a new person in through the full code flow and makes them a member with the default role", async () => {
    const email = `${unique("new")}@${domain}`;
    const b = browser();
    const { path, error, me } = await land(b, await toCallback(b, email, account(email, { name: "Nora New" })));
    expect(error).toBeNull();
    expect(path).toBe("/");
    const who = await me?.get("/api/v1/auth/me");
    expect(who?.statusCode).toBe(200);
    expect(who?.json().user).toMatchObject({ email, name: "Nora New", role: "support" });
    expect(who?.json().workspace.id).toBe(ws);
    // The flow cookie is gone and the flow used up.
    expect(b.jar(APP).has("rapport_sso_flow")).toBe(false);
    const sessions = (await me?.get("/api/v1/auth/sessions"))?.json().data;
    expect(sessions).toEqual([expect.objectContaining({ method: "sso", current: true, browser: "Firefox 133" })]);
  });

  it("matches an existing member by verified email, without a second account", async () => {
    const email = `${unique("old")}@${domain}`;
    const existing = await admin.post("/api/v1/users", { name: "Olga Old", email, role: "sales", password: "long enough pw" });
    expect(existing.statusCode, existing.body).toBe(201);
    const b = browser();
    const { error, me } = await land(b, await toCallback(b, email.toUpperCase(), account(email.toUpperCase())));
    expect(error).toBeNull();
    const who = (await me?.get("/api/v1/auth/me"))?.json();
    expect(who.user).toMatchObject({ id: existing.json().id, role: "sales", name: "Olga Old" });
    const users = (await admin.get("/api/v1/users")).json().data as { email: string }[];
    expect(users.filter((u) => u.email === email)).toHaveLength(1);
  });

  it("refuses an email the provider did not verify, and a domain the workspace does not allow", async () => {
    const unverified = `${unique("unv")}@${domain}`;
    let b = browser();
    let result = await land(b, await toCallback(b, unverified, account(unverified, { emailVerified: false })));
    expect(result).toMatchObject({ error: "email_unverified", me: null });
    // Someone whose provider account has another domain, starting from a workspace's sign-in link.
    const outsider = `${unique("out")}@elsewhere.test`;
    b = browser();
    const login = account(outsider);
    const page = await b.go(`/api/v1/auth/sso/start?workspaceId=${ws}`);
    result = await land(b, (await b.signInAtProvider(page, login)).location as string);
    expect(result).toMatchObject({ error: "domain_not_allowed", me: null });
    const users = (await admin.get("/api/v1/users")).json().data as { email: string }[];
    expect(users.map((u) => u.email)).not.toContain(outsider);
    expect(users.map((u) => u.email)).not.toContain(unverified);
  });

  it("refuses a tampered state, a changed nonce, another browser's callback and a replay", async () => {
    const email = `${unique("tamper")}@${domain}`;
    const login = account(email);
    // State: the URL's must be the one this browser's cookie holds.
    let b = browser();
    const tampered = new URL(await toCallback(b, email, login));
    tampered.searchParams.set("state", "x".repeat(43));
    expect(await land(b, tampered.href)).toMatchObject({ error: "invalid_response", me: null });
    // Nonce: the ID token must carry the one stored for this flow.
    b = browser();
    const callback = await toCallback(b, email, login);
    await t.database.db.update(ssoFlows).set({ nonce: "not-the-nonce" }).where(eq(ssoFlows.workspaceId, ws));
    expect(await land(b, callback)).toMatchObject({ error: "invalid_response", me: null });
    // Another browser (no flow cookie) cannot use someone's callback URL.
    b = browser();
    const stolen = await toCallback(b, email, login);
    const other = browser();
    expect(await land(other, stolen)).toMatchObject({ error: "expired", me: null });
    // The rightful browser still can, once; the same callback again is refused.
    const cookie = b.jar(APP).get("rapport_sso_flow") as string;
    const ok = await land(b, stolen);
    expect(ok.error).toBeNull();
    b.jar(APP).set("rapport_sso_flow", cookie);
    b.jar(APP).delete("rapport_session");
    expect(await land(b, stolen)).toMatchObject({ error: "expired", me: null });
    // A returnTo that leaves the app is not followed.
    b = browser();
    const start = await b.hop(`/api/v1/auth/sso/start?workspaceId=${ws}&returnTo=${encodeURIComponent("//evil.example/x")}`);
    expect(start.status).toBe(303);
    const flows = await t.database.db
      .select()
      .from(ssoFlows)
      .where(and(eq(ssoFlows.workspaceId, ws)));
    expect(flows.every((f) => f.returnTo.startsWith("/") && !f.returnTo.startsWith("//"))).toBe(true);
  });

  it("with SSO required, refuses password sign-in to non-admins and still lets admins in", async () => {
    const email = `${unique("rep")}@${domain}`;
    expect((await admin.post("/api/v1/users", { name: "Rep", email, role: "sales", password: "long enough pw" })).statusCode).toBe(201);
    await signIn(t.app, email, "long enough pw");
    expect((await configure({ requireSso: true, clientSecret: undefined })).statusCode).toBe(200);
    const refused = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password: "long enough pw" } });
    expectProblem(refused, 403, "sso_required");
    // A wrong password still says only that it is wrong: sso_required is not a way to probe accounts.
    expectProblem(
      await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password: "wrong wrong wrong" } }),
      401,
      "invalid_credentials",
    );
    await signIn(t.app, admin.email, admin.password);
    // Through the provider the same person gets in.
    const b = browser();
    const { error, me } = await land(b, await toCallback(b, email, account(email)));
    expect(error).toBeNull();
    expect((await me?.get("/api/v1/auth/me"))?.json().user.email).toBe(email);
    expect((await configure({ requireSso: false, clientSecret: undefined })).statusCode).toBe(200);
    await signIn(t.app, email, "long enough pw");
  });

  it("takes only a role of the workspace as the default, and lets people in as Read-only once that role is deleted", async () => {
    const refused = expectProblem(await configure({ defaultRole: "no_such_role", clientSecret: undefined }), 422, "invalid_reference");
    expect(refused.errors).toEqual([{ path: "defaultRole", message: "Choose one of the workspace's roles" }]);
    const created = await admin.post("/api/v1/roles", { name: unique("Contractors").replace(/-/g, " "), copyFrom: "sales" });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json() as { id: string; key: string };
    expect((await configure({ defaultRole: role.key, clientSecret: undefined })).statusCode).toBe(200);
    // Nobody holds the role yet, so an admin may delete it while the settings still name it.
    expect((await admin.del(`/api/v1/roles/${role.id}`)).statusCode).toBe(204);
    const email = `${unique("late")}@${domain}`;
    const b = browser();
    const { error, me } = await land(b, await toCallback(b, email, account(email)));
    expect(error).toBeNull();
    expect((await me?.get("/api/v1/auth/me"))?.json().user).toMatchObject({ email, role: "read_only" });
    expect((await configure({ clientSecret: undefined })).statusCode).toBe(200);
  });

  it("finds no workspace for a domain nobody configured", async () => {
    const res = await t.app.inject({ method: "POST", url: "/api/v1/auth/sso/discover", payload: { email: "someone@nobody-configured.test" } });
    expect(res.json()).toEqual({ workspaces: [] });
  });
});
