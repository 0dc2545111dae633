import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { LightMyRequestResponse } from "fastify";
import pg from "pg";
import type { Me } from "../contract/auth.js";
import { type Database, type DatabaseKind, openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { type App, type AppOptions, buildApp } from "../server/app.js";

let counter = 0;

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const databaseKinds: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestApp {
  app: App;
  database: Database;
  close(): Promise<void>;
}

/** The once-migrated embedded database the run's global setup saved (src/test/global-setup.ts), if any. */
export function pgliteTemplate(): Blob | undefined {
  const path = process.env.RAPPORT_TEST_PGLITE_TEMPLATE;
  return path && existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

export async function openTestDatabase(kind: DatabaseKind, dataDir?: string): Promise<Database> {
  const database =
    kind === "postgres"
      ? await openDatabase({ url: process.env.TEST_DATABASE_URL })
      : // A data folder that already holds a database (a test reopening it) is opened as it is.
        await openDatabase({ dataDir, loadDataDir: dataDir && existsSync(dataDir) && readdirSync(dataDir).length > 0 ? undefined : pgliteTemplate() });
  // A no-op on the template; still run, so a database without it (or behind it) is brought up to date.
  await runMigrations(database);
  return database;
}

/**
 * A PostgreSQL database of the test file's own beside the shared one, migrated, and dropped again by `drop`. For
 * suites that move pg-boss's clock: its TestClock replaces the job schema's job_now(), which would move time for
 * every other suite working the shared database at once. A copy of the run's migrated template database
 * (src/test/global-setup.ts) when there is one: copying takes a fraction of a second, migrating from scratch seconds.
 */
export async function openPrivatePostgres(): Promise<{ database: Database; drop(): Promise<void> }> {
  const shared = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `rapport_t_${Date.now().toString(36)}_${process.pid}_${(counter++).toString(36)}`;
  const admin = new pg.Client({ connectionString: shared.toString() });
  await admin.connect();
  try {
    const template = process.env.RAPPORT_TEST_POSTGRES_TEMPLATE;
    await admin.query(`create database ${name}${template ? ` template ${template}` : ""}`);
  } finally {
    await admin.end();
  }
  const url = new URL(shared);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  // A no-op on a copy of the template; still run, so a database made without one is brought up to date.
  await runMigrations(database);
  return {
    database,
    async drop() {
      const dropper = new pg.Client({ connectionString: shared.toString() });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export async function createTestApp(
  kind: DatabaseKind,
  options: {
    /** PostgreSQL: a database of this suite's own (openPrivatePostgres) instead of the shared one. */
    privateDatabase?: boolean;
    authRateLimit?: number;
    apiRateLimit?: number;
    dataDir?: string;
    jobs?: AppOptions["jobs"];
    smtpUrl?: string;
    mailFrom?: string;
    publicUrl?: string;
    trustProxy?: string[];
    signup?: "open" | "closed";
    secretKey?: string;
    mailIn?: AppOptions["mailIn"];
  } = {},
): Promise<TestApp> {
  const own = kind === "postgres" && options.privateDatabase ? await openPrivatePostgres() : undefined;
  const database = own?.database ?? (await openTestDatabase(kind, options.dataDir));
  const app = await buildApp({
    database,
    logLevel: "silent",
    authRateLimit: options.authRateLimit ?? 10_000,
    apiRateLimit: options.apiRateLimit,
    trustProxy: options.trustProxy,
    jobs: options.jobs,
    smtpUrl: options.smtpUrl,
    mailFrom: options.mailFrom,
    publicUrl: options.publicUrl,
    signup: options.signup,
    secretKey: options.secretKey,
    mailIn: options.mailIn,
  });
  await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.close();
      await own?.drop();
    },
  };
}
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export interface Session {
  cookie?: string;
  bearer?: string;
  me?: Me;
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** A client bound to one signed-in user or API key, speaking JSON like the web app does. */
export function client(app: App, session: Session) {
  const call = async (method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse> =>
    app.inject({
      method,
      url,
      headers: {
        ...(session.cookie ? { cookie: session.cookie } : {}),
        ...(session.bearer ? { authorization: `Bearer ${session.bearer}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      payload: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    session,
    call,
    get: (url: string) => call("GET", url),
    post: (url: string, body: unknown = {}) => call("POST", url, body),
    patch: (url: string, body: unknown) => call("PATCH", url, body),
    del: (url: string) => call("DELETE", url),
  };
}
export type Client = ReturnType<typeof client>;

function cookieFrom(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === "rapport_session");
  if (!c) throw new Error(`no session cookie (status ${res.statusCode}: ${res.body})`);
  return `rapport_session=${c.value}`;
}

/** A fresh workspace with its admin signed in: every test starts from its own data. */
export async function newWorkspace(app: App, name = unique("Workspace")): Promise<Client & { password: string; email: string }> {
  const email = `${unique("admin")}@example.com`;
  const password = "correct horse battery";
  const res = await app.inject({ method: "POST", url: "/api/v1/auth/signup", payload: { workspaceName: name, name: "Ada Admin", email, password } });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  return Object.assign(client(app, { cookie: cookieFrom(res), me: res.json() as Me }), { password, email });
}

export async function signIn(app: App, email: string, password: string, workspaceId?: string): Promise<Client> {
  const res = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password, workspaceId } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return client(app, { cookie: cookieFrom(res), me: res.json() as Me });
}

/** Adds a user with a role to the admin's workspace and signs them in. */
export async function userWithRole(app: App, admin: Client, role: string): Promise<Client & { userId: string }> {
  const email = `${unique(role)}@example.com`;
  const res = await admin.post("/api/v1/users", { name: `${role} user`, email, role, password: "correct horse battery" });
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.body}`);
  const c = await signIn(app, email, "correct horse battery");
  return Object.assign(c, { userId: (res.json() as { id: string }).id });
}

export function expectProblem(res: LightMyRequestResponse, status: number, code?: string): Record<string, unknown> {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  if (!String(res.headers["content-type"]).startsWith("application/problem+json")) throw new Error(`expected problem+json, got ${res.headers["content-type"]}`);
  const body = res.json() as Record<string, unknown>;
  if (code && body.code !== code) throw new Error(`expected code ${code}, got ${body.code}: ${res.body}`);
  return body;
}
