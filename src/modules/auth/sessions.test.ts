import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import { sessions } from "./table.js";
import { describeUserAgent } from "./user-agent.js";

const FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const SAFARI_IPAD = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const EDGE_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86";

describe("user agents as the sessions list shows them", () => {
  it("names the browser and system, and tells phones and tablets from desktops", () => {
    expect(describeUserAgent(FIREFOX_MAC)).toEqual({ browser: "Firefox 133", system: "macOS", device: "desktop" });
    expect(describeUserAgent(CHROME_ANDROID)).toEqual({ browser: "Chrome 131", system: "Android", device: "mobile" });
    expect(describeUserAgent(SAFARI_IPAD)).toEqual({ browser: "Safari 17", system: "iPadOS", device: "tablet" });
    expect(describeUserAgent(EDGE_WINDOWS)).toEqual({ browser: "Edge 131", system: "Windows", device: "desktop" });
    expect(describeUserAgent(undefined)).toEqual({ browser: "Unknown browser", system: "Unknown system", device: "unknown" });
  });
});

describe.each(databaseKinds)("my sessions on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  /** Signs in from a browser of this user agent and address; returns its client. */
  async function from(email: string, password: string, userAgent: string, remoteAddress: string): Promise<Client> {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "user-agent": userAgent },
      remoteAddress,
      payload: { email, password },
    });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = String(res.headers["set-cookie"]).split(";")[0] as string;
    return client(t.app, { cookie });
  }
  const status = async (c: Client) => (await c.get("/api/v1/auth/me")).statusCode;

  it("lists where I am signed in, marks this session, and signs out one of them", async () => {
    const admin = await newWorkspace(t.app);
    const laptop = await from(admin.email, admin.password, FIREFOX_MAC, "198.51.100.7");
    const phone = await from(admin.email, admin.password, CHROME_ANDROID, "203.0.113.9");
    const list = await laptop.get("/api/v1/auth/sessions");
    expect(list.statusCode, list.body).toBe(200);
    const data = list.json().data as { id: string; browser: string; system: string; device: string; ip: string; current: boolean; method: string }[];
    // The sign-up's own session, the laptop and the phone.
    expect(data).toHaveLength(3);
    expect(data.filter((s) => s.current)).toEqual([
      expect.objectContaining({ browser: "Firefox 133", system: "macOS", device: "desktop", ip: "198.51.100.7", method: "password" }),
    ]);
    const mobile = data.find((s) => s.ip === "203.0.113.9");
    expect(mobile).toMatchObject({ browser: "Chrome 131", system: "Android", device: "mobile", current: false });
    // The id names the session; it is not the cookie's secret.
    expect(laptop.session.cookie).not.toContain(mobile?.id);

    expect((await laptop.del(`/api/v1/auth/sessions/${mobile?.id}`)).statusCode).toBe(204);
    expect(await status(phone)).toBe(401);
    expect(await status(laptop)).toBe(200);
    expectProblem(await laptop.del(`/api/v1/auth/sessions/${mobile?.id}`), 404, "not_found");
  });

  it("cannot see or end someone else's sessions", async () => {
    const admin = await newWorkspace(t.app);
    const other = await newWorkspace(t.app);
    const theirs = (await other.get("/api/v1/auth/sessions")).json().data[0].id as string;
    expect((await admin.get("/api/v1/auth/sessions")).json().data.map((s: { id: string }) => s.id)).not.toContain(theirs);
    expectProblem(await admin.del(`/api/v1/auth/sessions/${theirs}`), 404, "not_found");
    expect(await status(other)).toBe(200);
    // An API key has no session to manage.
    const key = await admin.post("/api/v1/api-keys", { name: "script", role: "admin" });
    expect(key.statusCode, key.body).toBe(201);
    expectProblem(await client(t.app, { bearer: key.json().key }).get("/api/v1/auth/sessions"), 403, "forbidden");
  });

  it("signs out everywhere else, or everywhere", async () => {
    const admin = await newWorkspace(t.app);
    const a = await from(admin.email, admin.password, FIREFOX_MAC, "198.51.100.1");
    const b = await from(admin.email, admin.password, SAFARI_IPAD, "198.51.100.2");
    // The same person in a second workspace (one password opens both): signed in there from the sign-up and a phone.
    const second = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: { workspaceName: unique("Second"), name: "Ada", email: admin.email, password: admin.password },
    });
    expect(second.statusCode, second.body).toBe(201);
    const elsewhere = client(t.app, { cookie: String(second.headers["set-cookie"]).split(";")[0] as string });
    const phone = await from(admin.email, admin.password, CHROME_ANDROID, "198.51.100.4");
    expect(phone.session.cookie?.split("=")[1]?.split(".")[0]).toBe(second.json().workspace.id);
    // Someone else's session is not the person's.
    const stranger = await newWorkspace(t.app);
    const res = await a.post("/api/v1/auth/sessions/sign-out-everywhere", {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ signedOut: 4 });
    expect([await status(admin), await status(b), await status(elsewhere), await status(phone), await status(a), await status(stranger)]).toEqual([
      401, 401, 401, 401, 200, 200,
    ]);
    const c = await from(admin.email, admin.password, EDGE_WINDOWS, "198.51.100.3");
    const all = await a.post("/api/v1/auth/sessions/sign-out-everywhere", { includeThisSession: true });
    expect(all.json()).toEqual({ signedOut: 2 });
    expect(String(all.headers["set-cookie"])).toMatch(/rapport_session=;/);
    expect([await status(a), await status(c)]).toEqual([401, 401]);
  });

  it("updates last seen at most once a minute", async () => {
    const admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    const [row] = await t.database.db.select().from(sessions).where(eq(sessions.workspaceId, ws));
    const id = row?.id as string;
    const lastSeen = async () =>
      (
        await t.database.db
          .select()
          .from(sessions)
          .where(and(eq(sessions.workspaceId, ws), eq(sessions.id, id)))
      )[0]?.lastSeenAt.getTime();
    // Seen 30 s ago: a request now does not write.
    await t.database.db.update(sessions).set({ lastSeenAt: sql`now() - interval '30 seconds'` }).where(eq(sessions.id, id));
    const recent = await lastSeen();
    expect(await status(admin)).toBe(200);
    expect(await lastSeen()).toBe(recent);
    // Seen 2 minutes ago: the next request moves it to now, and the list shows it.
    await t.database.db.update(sessions).set({ lastSeenAt: sql`now() - interval '2 minutes'` }).where(eq(sessions.id, id));
    const old = (await lastSeen()) as number;
    expect(await status(admin)).toBe(200);
    const fresh = (await lastSeen()) as number;
    expect(fresh - old).toBeGreaterThan(100_000);
    const listed = (await admin.get("/api/v1/auth/sessions")).json().data[0];
    expect(new Date(listed.lastSeenAt).getTime()).toBe(fresh);
  });
});
