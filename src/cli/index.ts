import { Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import { env } from "../config.js";
import { Email, Password } from "../contract/auth.js";
import { Role, roles } from "../contract/common.js";
import { systemActor } from "../core/context.js";
import { AppError } from "../core/errors.js";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { signup } from "../modules/auth/service.js";
import { assertRoleExists } from "../modules/roles/service.js";
import { createUser } from "../modules/users/service.js";
import { listWorkspaces } from "../modules/workspaces/service.js";
import { startServer } from "../server/start.js";
import { registerBackupCommands } from "./backup.js";
import { registerExportCommand } from "./export.js";
import { registerImportCommands } from "./import.js";
import { registerWorkerCommand } from "./worker.js";

const parseWith =
  <T>(schema: z.ZodType<T>, what: string) =>
  (value: string): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`${what}: ${r.error.issues[0]?.message ?? "invalid"}`);
    return r.data;
  };

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const e = env();
  const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
  try {
    await runMigrations(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

const program = new Command()
  .name("rapport")
  .description("Rapport CRM. Uses DATABASE_URL (PostgreSQL) when set, else the embedded database in RAPPORT_DATA_DIR (./data).")
  .showHelpAfterError();

program
  .command("serve")
  .description("Serve the web app and API (PORT, default 3000)")
  .option("-p, --port <port>", "port to listen on", (v) => parseWith(z.coerce.number().int().min(0).max(65535), "port")(v))
  .option("--no-worker", "do not run background jobs here (run `rapport worker` separately)")
  .action(async (opts: { port?: number; worker: boolean }) => {
    const e = env();
    const server = await startServer({
      port: opts.port ?? e.PORT,
      host: e.HOST,
      databaseUrl: e.DATABASE_URL,
      dataDir: e.RAPPORT_DATA_DIR,
      webDir: e.RAPPORT_WEB_DIR,
      logLevel: e.LOG_LEVEL,
      secureCookies: e.RAPPORT_SECURE_COOKIES === "true",
      trustProxy: e.TRUST_PROXY,
      worker: opts.worker,
      apiRateLimit: e.RAPPORT_API_RATE_LIMIT || undefined,
      jobPollingSeconds: e.RAPPORT_JOB_POLL_SECONDS,
      eventRetentionDays: e.RAPPORT_EVENT_RETENTION_DAYS,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      publicUrl: e.RAPPORT_PUBLIC_URL,
      signup: e.RAPPORT_SIGNUP,
      secretKey: e.RAPPORT_SECRET_KEY,
      mailIn: e.MAIL_IN_SMTP_PORT ? { port: e.MAIL_IN_SMTP_PORT, host: e.MAIL_IN_SMTP_HOST, maxBytes: e.MAIL_IN_MAX_BYTES } : undefined,
    });
    server.app.log.info(
      `Rapport is running on ${server.url} (${server.database.kind === "pglite" ? `embedded database in ${e.RAPPORT_DATA_DIR}` : "PostgreSQL"})`,
    );
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("migrate")
  .description("Apply database migrations (serve does this too)")
  .action(async () => {
    await withDatabase(async (d) => console.log(`Migrations applied (${d.kind}).`));
  });

const workspace = program.command("workspace").description("Manage workspaces");
workspace
  .command("create")
  .description("Create a workspace and its first admin")
  .requiredOption("--name <name>", "workspace name")
  .requiredOption("--admin-email <email>", "the admin's email", parseWith(Email, "email"))
  .requiredOption("--admin-name <name>", "the admin's name")
  .requiredOption("--admin-password <password>", "at least 10 characters", parseWith(Password, "password"))
  .action(async (o: { name: string; adminEmail: string; adminName: string; adminPassword: string }) => {
    await withDatabase(async ({ db }) => {
      const p = await signup(db, { workspaceName: o.name, name: o.adminName, email: o.adminEmail, password: o.adminPassword });
      console.log(`Created workspace "${p.workspace.name}" (${p.workspace.id}) with admin ${p.user.email}.`);
    });
  });
workspace
  .command("list")
  .description("List workspaces")
  .action(async () => {
    await withDatabase(async ({ db }) => {
      const rows = await listWorkspaces(db);
      if (rows.length === 0) console.log("No workspaces yet: run `rapport workspace create` or open the web app.");
      for (const w of rows) console.log(`${w.id}  ${w.name}`);
    });
  });

const user = program.command("user").description("Manage users");
user
  .command("add")
  .description("Add a user to a workspace")
  .requiredOption("--workspace <id>", "workspace id (see `rapport workspace list`)", parseWith(z.uuid(), "workspace"))
  .requiredOption("--email <email>", "email", parseWith(Email, "email"))
  .requiredOption("--name <name>", "full name")
  .requiredOption("--password <password>", "at least 10 characters", parseWith(Password, "password"))
  .option("--role <role>", `a role key of the workspace: ${roles.join(", ")} or a custom one`, parseWith(Role, "role"), "sales")
  .action(async (o: { workspace: string; email: string; name: string; password: string; role: Role }) => {
    await withDatabase(async ({ db }) => {
      const ctx = { db, workspaceId: o.workspace, actor: systemActor };
      // Roles are the workspace's own (built-in and custom): a key it does not have is refused, as the API does.
      await assertRoleExists(ctx, o.role);
      const u = await createUser(ctx, { name: o.name, email: o.email, role: o.role, password: o.password });
      console.log(`Added ${u.email} as ${u.role}.`);
    });
  });

registerImportCommands(program);

registerExportCommand(program);
registerBackupCommands(program);
registerWorkerCommand(program);

program.parseAsync().catch((err: unknown) => {
  const message = err instanceof AppError ? (err.detail ?? err.message) : err instanceof Error ? err.message : String(err);
  console.error(`rapport: ${message}`);
  process.exit(1);
});
