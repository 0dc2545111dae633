import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestApp, databaseKinds, expectProblem, newWorkspace, signIn, type TestApp, unique } from "../../test/harness.js";
import { identities } from "./table.js";

describe.each(databaseKinds)("auth on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it("signs up, reports who is signed in, signs out", async () => {
    const admin = await newWorkspace(t.app, "Acme Ltd");
    expect(admin.session.me?.user.role).toBe("admin");
    const me = await admin.get("/api/v1/auth/me");
    expect(me.statusCode).toBe(200);
    expect(me.json().workspace.name).toBe("Acme Ltd");
    expect((await admin.post("/api/v1/auth/logout")).statusCode).toBe(204);
    expectProblem(await admin.get("/api/v1/auth/me"), 401, "unauthenticated");
  });

  it("stores passwords as argon2id hashes, never in clear", async () => {
    const admin = await newWorkspace(t.app);
    const [row] = await t.database.db.select().from(identities).where(eq(identities.email, admin.email));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain(admin.password);
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    const admin = await newWorkspace(t.app);
    const wrong = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: admin.email, password: "not the password" },
    });
    expectProblem(wrong, 401, "invalid_credentials");
    const unknown = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "nobody@example.com", password: "whatever123" },
    });
    expectProblem(unknown, 401, "invalid_credentials");
    await signIn(t.app, admin.email.toUpperCase(), admin.password);
  });

  it("opens the workspace named, or the one used last, when an email belongs to two", async () => {
    const first = await newWorkspace(t.app, "First");
    const second = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: {
        workspaceName: "Second",
        name: "Ada",
        email: first.email,
        password: first.password,
      },
    });
    expect(second.statusCode).toBe(201);
    const last = await signIn(t.app, first.email, first.password);
    expect(last.session.me?.workspace.name).toBe("Second");
    expect(last.session.me?.workspaces.map((w) => w.name).sort()).toEqual(["First", "Second"]);
    const chosen = await signIn(t.app, first.email, first.password, first.session.me?.workspace.id);
    expect(chosen.session.me?.workspace.name).toBe("First");
    // A workspace that is not theirs is refused, listing the ones that are.
    const stranger = await newWorkspace(t.app);
    const refused = expectProblem(
      await t.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: first.email, password: first.password, workspaceId: stranger.session.me?.workspace.id },
      }),
      409,
      "workspace_required",
    );
    expect((refused.workspaces as { name: string }[]).map((w) => w.name).sort()).toEqual(["First", "Second"]);
  });

  it("rejects a forged or foreign session cookie", async () => {
    const admin = await newWorkspace(t.app);
    const [wsId] = (admin.session.cookie ?? "").replace("rapport_session=", "").split(".");
    const forged = client(t.app, {
      cookie: `rapport_session=${wsId}.${"x".repeat(43)}`,
    });
    expectProblem(await forged.get("/api/v1/contacts"), 401);
  });

  it("refuses cookie-authenticated writes from another origin", async () => {
    const admin = await newWorkspace(t.app);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/contacts",
      headers: {
        cookie: admin.session.cookie ?? "",
        origin: "https://evil.example",
        "content-type": "application/json",
      },
      payload: { firstName: "Mallory" },
    });
    expectProblem(res, 403, "csrf_rejected");
    const form = await t.app.inject({
      method: "POST",
      url: "/api/v1/contacts",
      headers: {
        cookie: admin.session.cookie ?? "",
        "content-type": "text/plain",
      },
      payload: '{"firstName":"Mallory"}',
    });
    expectProblem(form, 415, "unsupported_media_type");
  });
});

describe("sign-in rate limit", () => {
  it("answers 429 after too many attempts on one account from one address", async () => {
    const t = await createTestApp("pglite", { authRateLimit: 3 });
    try {
      const one = `${unique("x")}@example.com`;
      const same: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          remoteAddress: "192.0.2.50",
          payload: { email: one, password: "nope-nope-nope" },
        });
        same.push(res.statusCode);
      }
      expect(same).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await t.close();
    }
  });
});

describe("sessions survive a restart (embedded database on disk)", () => {
  it("keeps the user signed in after the server is rebuilt on the same folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rapport-restart-"));
    try {
      const first = await createTestApp("pglite", { dataDir: dir });
      const admin = await newWorkspace(first.app, "Persistent");
      await admin.post("/api/v1/contacts", {
        firstName: "Grace",
        lastName: "Hopper",
      });
      await first.close();
      const second = await createTestApp("pglite", { dataDir: dir });
      try {
        const again = client(second.app, admin.session);
        const res = await again.get("/api/v1/contacts");
        expect(res.statusCode).toBe(200);
        expect(res.json().data.map((c: { fullName: string }) => c.fullName)).toEqual(["Grace Hopper"]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
