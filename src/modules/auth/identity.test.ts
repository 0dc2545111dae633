import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { and, desc, eq, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { Secret, TOTP } from "otpauth";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Me } from "../../contract/auth.js";
import { systemActor } from "../../core/context.js";
import { openDatabase, queryRows } from "../../db/client.js";
import { runMigrations } from "../../db/migrate.js";
import { buildApp } from "../../server/app.js";
import { client, createTestApp, databaseKinds, expectProblem, newWorkspace, signIn, type TestApp, unique } from "../../test/harness.js";
import { createInvitation } from "../invitations/service.js";
import { mailMessages } from "../mail/table.js";
import { hashPassword, passwordChecks } from "./passwords.js";
import { identities } from "./table.js";

const password = "correct horse battery";

/** The code an authenticator app shows now for a secret, computed here as the app would. */
const codeFor = (secret: string, at = Date.now()) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp: at });

function cookieOf(res: { cookies: { name: string; value: string }[] }): string {
  const c = res.cookies.find((x) => x.name === "rapport_session");
  if (!c) throw new Error("no session cookie");
  return `rapport_session=${c.value}`;
}

describe.each(databaseKinds)("one identity per email on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  /** The newest mail of a kind to an address, from the outbox (the worker is off: it stays queued). */
  async function mailTo(address: string, kindOf: "invitation" | "password_reset") {
    const rows = await t.database.db
      .select()
      .from(mailMessages)
      .where(and(eq(mailMessages.kind, kindOf), sql`${mailMessages.toAddresses} @> ${JSON.stringify([{ address }])}::jsonb`))
      .orderBy(desc(mailMessages.createdAt));
    return rows;
  }
  const tokenIn = (text: string | null, page: string) => {
    const m = new RegExp(`/${page}\\?token=([^\\s]+)`).exec(text ?? "");
    if (!m?.[1]) throw new Error(`no ${page} link in: ${text}`);
    return decodeURIComponent(m[1]);
  };

  it("checks one password hash however many workspaces a person belongs to, and switches without signing in again", async () => {
    const first = await newWorkspace(t.app, "Home");
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const name = unique("Other");
      names.push(name);
      const res = await t.app.inject({
        method: "POST",
        url: "/api/v1/auth/signup",
        payload: { workspaceName: name, name: "Ada", email: first.email, password },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const [row] = await t.database.db.select().from(identities).where(eq(identities.email, first.email));
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);

    const before = passwordChecks();
    const wrong = await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: first.email, password: "not the password" } });
    expectProblem(wrong, 401, "invalid_credentials");
    expect(passwordChecks() - before).toBe(1);

    // Signing in opens the workspace used last (the last one created) and lists all five for the switcher.
    const signedIn = await signIn(t.app, first.email, password);
    const me = signedIn.session.me as Me;
    expect(me.workspaces.map((w) => w.name).sort()).toEqual(["Home", ...names].sort());
    expect(me.workspace.name).toBe(names[3]);

    const home = me.workspaces.find((w) => w.name === "Home")?.id as string;
    const switched = await signedIn.post("/api/v1/auth/switch", { workspaceId: home });
    expect(switched.statusCode, switched.body).toBe(200);
    expect((switched.json() as Me).workspace.name).toBe("Home");
    const moved = client(t.app, { cookie: cookieOf(switched) });
    expect(((await moved.get("/api/v1/auth/me")).json() as Me).workspace.name).toBe("Home");
    // The old session ended: switching does not leave a second way in.
    expectProblem(await signedIn.get("/api/v1/auth/me"), 401);
    // Another person's workspace is not one to switch to.
    const stranger = await newWorkspace(t.app);
    expectProblem(await moved.post("/api/v1/auth/switch", { workspaceId: stranger.session.me?.workspace.id }), 404);
    // Next sign-in lands where the person was last.
    expect((await signIn(t.app, first.email, password)).session.me?.workspace.name).toBe("Home");
  });

  it("refuses a second sign-up with an existing email and another password, and an admin setting a shared person's password", async () => {
    const first = await newWorkspace(t.app);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: { workspaceName: "Sneaky", name: "Eve", email: first.email, password: "a guessed password" },
    });
    expectProblem(res, 409, "conflict");
    const other = await newWorkspace(t.app);
    expectProblem(await other.post("/api/v1/users", { name: "Ada", email: first.email, role: "sales", password: "taken over!!" }), 409, "conflict");
  });

  it("invites by email: the link works once, adds a new person or an existing one, and expires", async () => {
    const admin = await newWorkspace(t.app, unique("Inviting"));
    const email = `${unique("colleague")}@example.com`;
    const created = await admin.post("/api/v1/invitations", { email, role: "sales" });
    expect(created.statusCode, created.body).toBe(201);
    expect(((await admin.get("/api/v1/invitations")).json() as { data: { email: string }[] }).data.map((i) => i.email)).toEqual([email]);
    const [mail] = await mailTo(email, "invitation");
    expect(mail?.sensitive).toBe(true);
    const token = tokenIn(mail?.text ?? null, "invite");

    const preview = await t.app.inject({ method: "POST", url: "/api/v1/invitations/preview", payload: { token } });
    expect(preview.json()).toMatchObject({ email, role: "sales", hasAccount: false, workspaceName: admin.session.me?.workspace.name });
    const accepted = await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token, name: "Colin Colleague", password } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect((accepted.json() as Me).user).toMatchObject({ email, role: "sales", name: "Colin Colleague" });
    // Once only; and no longer pending.
    expectProblem(await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token, name: "Again", password } }), 410, "link_expired");
    expect(((await admin.get("/api/v1/invitations")).json() as { data: unknown[] }).data).toEqual([]);
    await signIn(t.app, email, password);

    // An existing person joins with their own password, and then has two workspaces.
    const elsewhere = await newWorkspace(t.app, unique("Elsewhere"));
    await elsewhere.post("/api/v1/invitations", { email: admin.email, role: "manager" });
    const joinToken = tokenIn((await mailTo(admin.email, "invitation"))[0]?.text ?? null, "invite");
    expect((await t.app.inject({ method: "POST", url: "/api/v1/invitations/preview", payload: { token: joinToken } })).json()).toMatchObject({
      hasAccount: true,
    });
    expectProblem(await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token: joinToken, password: "wrong password" } }), 401);
    const joined = await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token: joinToken, password: admin.password } });
    expect(joined.statusCode, joined.body).toBe(200);
    expect((joined.json() as Me).workspaces).toHaveLength(2);
    expect((joined.json() as Me).user.role).toBe("manager");

    // Revoked, replaced by a resend, or past its 7 days: the link is dead.
    const third = `${unique("late")}@example.com`;
    const inv = (await admin.post("/api/v1/invitations", { email: third, role: "sales" })).json() as { id: string };
    const firstLink = tokenIn((await mailTo(third, "invitation"))[0]?.text ?? null, "invite");
    // Another workspace's admin can neither see, resend nor revoke it.
    expect(((await elsewhere.get("/api/v1/invitations")).json() as { data: { id: string }[] }).data.map((i) => i.id)).not.toContain(inv.id);
    expectProblem(await elsewhere.post(`/api/v1/invitations/${inv.id}/resend`), 404);
    expectProblem(await elsewhere.del(`/api/v1/invitations/${inv.id}`), 404);
    expect((await admin.post(`/api/v1/invitations/${inv.id}/resend`)).statusCode).toBe(200);
    const secondLink = tokenIn((await mailTo(third, "invitation"))[0]?.text ?? null, "invite");
    expect(secondLink).not.toBe(firstLink);
    expectProblem(await t.app.inject({ method: "POST", url: "/api/v1/invitations/preview", payload: { token: firstLink } }), 410);
    expect((await admin.del(`/api/v1/invitations/${inv.id}`)).statusCode).toBe(204);
    expectProblem(await t.app.inject({ method: "POST", url: "/api/v1/invitations/preview", payload: { token: secondLink } }), 410);

    const ctx = {
      db: t.database.db,
      workspaceId: admin.session.me?.workspace.id as string,
      actor: { ...systemActor, kind: "user" as const, userId: admin.session.me?.user.id as string },
    };
    const mailQueue = { from: "rapport@localhost", enqueue: async () => undefined };
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
    const old = `${unique("old")}@example.com`;
    await createInvitation(ctx, mailQueue, { email: old, role: "sales" }, "http://localhost", eightDaysAgo);
    const oldLink = tokenIn((await mailTo(old, "invitation"))[0]?.text ?? null, "invite");
    expectProblem(
      await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token: oldLink, name: "Late", password } }),
      410,
      "link_expired",
    );
    // Only admins invite.
    const sales = await signIn(t.app, email, password, admin.session.me?.workspace.id);
    expectProblem(await sales.post("/api/v1/invitations", { email: "x@example.com", role: "admin" }), 403);
  });

  it("invites only to a role of the workspace, and as Read-only when the role is deleted before the link is used", async () => {
    const admin = await newWorkspace(t.app, unique("Inviting"));
    const email = `${unique("temp")}@example.com`;
    const refused = expectProblem(await admin.post("/api/v1/invitations", { email, role: "no_such_role" }), 422, "invalid_reference");
    expect(refused.errors).toEqual([{ path: "role", message: "Choose one of the workspace's roles" }]);
    const created = await admin.post("/api/v1/roles", { name: "Temp desk", copyFrom: "sales" });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json() as { id: string; key: string };
    expect((await admin.post("/api/v1/invitations", { email, role: role.key })).statusCode).toBe(201);
    const [mail] = await mailTo(email, "invitation");
    // The mail names the role as admins see it, not its key.
    expect(mail?.text).toContain("as Temp desk.");
    const token = tokenIn(mail?.text ?? null, "invite");
    expect((await admin.del(`/api/v1/roles/${role.id}`)).statusCode).toBe(204);
    const preview = await t.app.inject({ method: "POST", url: "/api/v1/invitations/preview", payload: { token } });
    expect(preview.json()).toMatchObject({ email, role: "read_only" });
    const accepted = await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token, name: "Tess Temp", password } });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect((accepted.json() as Me).user).toMatchObject({ email, role: "read_only" });
  });

  it("resets a forgotten password by mail, once, and signs out every session", async () => {
    const admin = await newWorkspace(t.app);
    const otherSession = await signIn(t.app, admin.email, admin.password);
    // A session in another workspace of the same person ends too: the password it was opened with is gone.
    const second = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: { workspaceName: unique("Second"), name: "Ada", email: admin.email, password: admin.password },
    });
    expect(second.statusCode, second.body).toBe(201);
    const elsewhere = client(t.app, { cookie: cookieOf(second) });
    expect((await elsewhere.get("/api/v1/auth/me")).statusCode).toBe(200);
    const asked = await t.app.inject({ method: "POST", url: "/api/v1/auth/password-reset/request", payload: { email: admin.email } });
    const unknown = await t.app.inject({ method: "POST", url: "/api/v1/auth/password-reset/request", payload: { email: `${unique("nobody")}@example.com` } });
    expect([asked.statusCode, unknown.statusCode]).toEqual([202, 202]);
    expect(asked.body).toBe(unknown.body);
    const [mail] = await mailTo(admin.email, "password_reset");
    expect(mail?.sensitive).toBe(true);
    const token = tokenIn(mail?.text ?? null, "reset-password");

    const newPassword = "a brand new password";
    expect((await t.app.inject({ method: "POST", url: "/api/v1/auth/password-reset", payload: { token, password: newPassword } })).statusCode).toBe(204);
    expectProblem(await admin.get("/api/v1/auth/me"), 401);
    expectProblem(await otherSession.get("/api/v1/auth/me"), 401);
    expectProblem(await elsewhere.get("/api/v1/auth/me"), 401);
    expectProblem(await t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: admin.email, password: admin.password } }), 401);
    await signIn(t.app, admin.email, newPassword);
    expectProblem(
      await t.app.inject({ method: "POST", url: "/api/v1/auth/password-reset", payload: { token, password: "yet another one!" } }),
      410,
      "link_expired",
    );

    // A few links an hour, then silence (the answer stays the same).
    for (let i = 0; i < 4; i++) await t.app.inject({ method: "POST", url: "/api/v1/auth/password-reset/request", payload: { email: admin.email } });
    expect((await mailTo(admin.email, "password_reset")).length).toBe(3);
  });

  it("signs in with a TOTP second factor set up in My account, and with a recovery code once", async () => {
    const admin = await newWorkspace(t.app);
    const setup = await admin.post("/api/v1/account/totp/setup");
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret, uri, qrSvg } = setup.json() as { secret: string; uri: string; qrSvg: string };
    expect(uri).toMatch(/^otpauth:\/\/totp\/Rapport:/);
    expect(qrSvg).toContain("<svg");
    expectProblem(await admin.post("/api/v1/account/totp/confirm", { code: "000000" === codeFor(secret) ? "111111" : "000000" }), 400);
    const confirmed = await admin.post("/api/v1/account/totp/confirm", { code: codeFor(secret) });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const { recoveryCodes } = confirmed.json() as { recoveryCodes: string[] };
    expect(recoveryCodes).toHaveLength(10);

    const login = (extra: Record<string, string> = {}) =>
      t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: admin.email, password: admin.password, ...extra } });
    expectProblem(await login(), 401, "totp_required");
    expectProblem(await login({ totpCode: "12345x" }), 401, "totp_required");
    // The code that confirmed the set-up is spent: sign-in takes the next step's (within the one-step window).
    expectProblem(await login({ totpCode: codeFor(secret) }), 401, "totp_required");
    const withCode = await login({ totpCode: codeFor(secret, Date.now() + 30_000) });
    expect(withCode.statusCode, withCode.body).toBe(200);
    expect((withCode.json() as Me).totpEnabled).toBe(true);
    expect((await login({ totpCode: recoveryCodes[0] as string })).statusCode).toBe(200);
    expectProblem(await login({ totpCode: recoveryCodes[0] as string }), 401, "totp_required");
    expect(((await admin.get("/api/v1/account/security")).json() as { recoveryCodesLeft: number }).recoveryCodesLeft).toBe(9);
  });

  it("accepts an authenticator code once: a replay, or an older code of the window, is refused", async () => {
    const admin = await newWorkspace(t.app);
    const { secret } = (await admin.post("/api/v1/account/totp/setup")).json() as { secret: string };
    // Confirmed with the previous step's code (still inside the window), so the current one is fresh for sign-in.
    expect((await admin.post("/api/v1/account/totp/confirm", { code: codeFor(secret, Date.now() - 30_000) })).statusCode).toBe(200);
    const login = (totpCode: string) =>
      t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: admin.email, password: admin.password, totpCode } });
    const now = codeFor(secret);
    expect((await login(now)).statusCode).toBe(200);
    const replay = expectProblem(await login(now), 401, "totp_required");
    expect(replay.errors).toEqual([{ path: "totpCode", message: "Already used; wait for the next code" }]);
    // The step before is still inside the window, but earlier than the one spent.
    expectProblem(await login(codeFor(secret, Date.now() - 30_000)), 401, "totp_required");
    const [row] = await t.database.db.select().from(identities).where(eq(identities.email, admin.email));
    const spent = row?.totpLastStep as number;
    expect(spent).toBeGreaterThanOrEqual(Math.floor(Date.now() / 30_000) - 1);
    // The next code works, once; turning the factor off and on again starts afresh.
    const next = codeFor(secret, Date.now() + 30_000);
    expect((await login(next)).statusCode).toBe(200);
    expectProblem(await login(next), 401, "totp_required");
    expect((await admin.post("/api/v1/account/totp/disable", { password: admin.password })).statusCode).toBe(204);
    const [off] = await t.database.db.select().from(identities).where(eq(identities.email, admin.email));
    expect(off?.totpLastStep).toBeNull();
  });

  it("lets an admin require a second factor: members without one may only enrol", async () => {
    const admin = await newWorkspace(t.app);
    const email = `${unique("member")}@example.com`;
    await admin.post("/api/v1/users", { name: "Mo Member", email, role: "sales", password });
    const required = await admin.patch("/api/v1/workspace", { requireTotp: true });
    expect(required.statusCode, required.body).toBe(200);
    expect(required.json().requireTotp).toBe(true);

    const member = await signIn(t.app, email, password);
    expect(member.session.me?.mustEnrolTotp).toBe(true);
    expectProblem(await member.get("/api/v1/contacts"), 403, "totp_enrolment_required");
    const { secret } = (await member.post("/api/v1/account/totp/setup")).json() as { secret: string };
    expect((await member.post("/api/v1/account/totp/confirm", { code: codeFor(secret) })).statusCode).toBe(200);
    expect((await member.get("/api/v1/contacts")).statusCode).toBe(200);
    expect(((await member.get("/api/v1/auth/me")).json() as Me).mustEnrolTotp).toBe(false);
  });
});

describe.each(databaseKinds)("closed sign-up on %s", (kind) => {
  it("lets the first sign-up of an empty instance through, then refuses with problem+json", async () => {
    const t = await createTestApp(kind, { signup: "closed", privateDatabase: true });
    try {
      expect((await t.app.inject({ method: "GET", url: "/api/v1/setup" })).json()).toEqual({ hasWorkspaces: false, signupOpen: true });
      await newWorkspace(t.app, "The first");
      expect((await t.app.inject({ method: "GET", url: "/api/v1/setup" })).json()).toEqual({ hasWorkspaces: true, signupOpen: false });
      const second = await t.app.inject({
        method: "POST",
        url: "/api/v1/auth/signup",
        payload: { workspaceName: "Second", name: "Bo", email: `${unique("bo")}@example.com`, password },
      });
      expectProblem(second, 403, "signup_closed");
    } finally {
      await t.close();
    }
  });
});

/** The migrations folder up to (not including) the identities migration, to build a database as it was before. */
function migrationsBeforeIdentities(): string {
  const source = fileURLToPath(new URL("../../db/migrations", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "rapport-migrations-"));
  cpSync(source, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag.endsWith("_identities"));
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

describe.each(databaseKinds)("the identities migration on %s", (kind) => {
  it("keeps every user signing in: one identity per email, the most recently changed password kept", async () => {
    const before = migrationsBeforeIdentities();
    let url: string | undefined;
    let dropDatabase = async () => {};
    if (kind === "postgres") {
      const shared = new URL(process.env.TEST_DATABASE_URL as string);
      const name = `rapport_mig_${Date.now().toString(36)}_${process.pid}`;
      const admin = new pg.Client({ connectionString: shared.toString() });
      await admin.connect();
      await admin.query(`create database ${name}`);
      shared.pathname = `/${name}`;
      url = shared.toString();
      dropDatabase = async () => {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      };
    }
    const database = await openDatabase({ url });
    try {
      // The database as it was: every migration before this one, and users with a password each.
      if (database.pool) await migratePg(drizzlePg(database.pool), { migrationsFolder: before });
      else await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: before });
      const ws = ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002", "0190a000-0000-7000-8000-000000000003"];
      for (const [i, id] of ws.entries()) await database.db.execute(sql`insert into workspaces (id, name, slug) values (${id}, ${`W${i}`}, ${`w${i}`})`);
      const oldHash = await hashPassword("the old password");
      const newHash = await hashPassword("the newer password");
      const soloHash = await hashPassword("solo password!");
      const user = (w: string, id: string, email: string, hash: string, updated: string) =>
        database.db.execute(
          sql`insert into users (workspace_id, id, email, name, role, password_hash, updated_at) values (${w}, ${id}, ${email}, 'X', 'admin', ${hash}, ${updated})`,
        );
      await user(ws[0] as string, "0190a000-0000-7000-8000-0000000000a1", "both@example.com", oldHash, "2025-01-01T00:00:00Z");
      await user(ws[1] as string, "0190a000-0000-7000-8000-0000000000a2", "both@example.com", newHash, "2026-01-01T00:00:00Z");
      await user(ws[2] as string, "0190a000-0000-7000-8000-0000000000a3", "solo@example.com", soloHash, "2025-06-01T00:00:00Z");

      await runMigrations(database);
      const rows = await queryRows<{ email: string; password_hash: string }>(database.db, sql`select email, password_hash from identities order by email`);
      expect(rows.map((r) => r.email)).toEqual(["both@example.com", "solo@example.com"]);
      expect(rows[0]?.password_hash).toBe(newHash);

      // Everyone signs in through the app, into each of their workspaces, with the password kept.
      const app = await buildApp({ database, logLevel: "silent", authRateLimit: 10_000 });
      try {
        const login = (email: string, pw: string, workspaceId?: string) =>
          app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password: pw, workspaceId } });
        for (const w of [ws[0], ws[1]]) {
          const res = await login("both@example.com", "the newer password", w);
          expect(res.statusCode, res.body).toBe(200);
          expect((res.json() as Me).workspaces).toHaveLength(2);
        }
        expect((await login("both@example.com", "the old password")).statusCode).toBe(401);
        expect((await login("solo@example.com", "solo password!")).statusCode).toBe(200);
      } finally {
        await app.close();
      }
    } finally {
      await database.close();
      await dropDatabase();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
