import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Database, openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { type App, buildApp } from "./app.js";

export const defaultWebDir = fileURLToPath(new URL("../../dist/web", import.meta.url));

export interface StartOptions {
  port?: number;
  host?: string;
  /** postgres://… for server mode. */
  databaseUrl?: string;
  /** PGlite folder; ignored with databaseUrl. */
  dataDir?: string;
  /** PGlite in memory (tests). */
  memory?: boolean;
  /** PGlite: start from a copy of this data folder (tests: a once-migrated template). */
  loadDataDir?: Blob;
  webDir?: string;
  logLevel?: string;
  authRateLimit?: number;
  apiRateLimit?: number;
  secureCookies?: boolean;
  trustProxy?: string[] | false;
  /** Run every kind of background job in this process (default); false: `serve --no-worker`, with `rapport worker` elsewhere. */
  worker?: boolean;
  /** Seconds between polls of each job queue when nothing wakes it (default 2). */
  jobPollingSeconds?: number;
  eventRetentionDays?: number;
  smtpUrl?: string;
  mailFrom?: string;
  publicUrl?: string;
  /** RAPPORT_SIGNUP (default open). */
  signup?: "open" | "closed";
  secretKey?: string;
  /** MAIL_IN_SMTP_*: receive mail for the mailboxes by SMTP. */
  mailIn?: { port: number; host?: string; maxBytes?: number };
}

export interface RunningServer {
  url: string;
  app: App;
  database: Database;
  close(): Promise<void>;
}

/** Opens the database, migrates it, builds the app and listens. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const database = await openDatabase({
    url: options.databaseUrl,
    dataDir: options.databaseUrl || options.memory ? undefined : resolve(options.dataDir ?? "./data"),
    loadDataDir: options.databaseUrl ? undefined : options.loadDataDir,
  });
  await runMigrations(database);
  const app = await buildApp({
    database,
    webDir: options.webDir ?? defaultWebDir,
    logLevel: options.logLevel,
    authRateLimit: options.authRateLimit,
    apiRateLimit: options.apiRateLimit,
    secureCookies: options.secureCookies,
    trustProxy: options.trustProxy,
    jobs: { worker: options.worker ?? true, pollingIntervalSeconds: options.jobPollingSeconds, eventRetentionDays: options.eventRetentionDays },
    smtpUrl: options.smtpUrl,
    mailFrom: options.mailFrom,
    publicUrl: options.publicUrl,
    signup: options.signup,
    secretKey: options.secretKey,
    mailIn: options.mailIn,
  });
  await app.listen({ port: options.port ?? 3000, host: options.host ?? "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}`,
    app,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
