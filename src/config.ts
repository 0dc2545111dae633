import { z } from "zod";

/** The one place that reads process.env; validated once at start-up. */
// An empty variable (DATABASE_URL= …) means unset, as in most shells' habits.
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL must be a postgres:// URL" }).optional()),
  RAPPORT_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().default("./data")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.string().default("development"),
  RAPPORT_SECURE_COOKIES: z.enum(["true", "false"]).optional(),
  RAPPORT_WEB_DIR: z.string().optional(),
  /** smtp://user:pass@host:587 or smtps://…; unset means no email is sent (reminders stay in-app). */
  SMTP_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^smtps?$/, error: "SMTP_URL must be an smtp:// or smtps:// URL" }).optional()),
  MAIL_FROM: z.preprocess(unsetIfEmpty, z.string().default("Rapport <rapport@localhost>")),
  /** The address users reach Rapport at, for links in emails and calendar feeds. */
  RAPPORT_PUBLIC_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: "RAPPORT_PUBLIC_URL must be an http(s) URL" }).optional()),
  /** How often the worker looks for due reminders. */
  RAPPORT_JOB_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(15_000),
});
export type Env = z.infer<typeof Env>;

let cached: Env | undefined;
export function env(): Env {
  if (!cached) {
    const parsed = Env.safeParse(process.env);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
      throw new Error(`Invalid environment:\n${lines}`);
    }
    cached = parsed.data;
  }
  return cached;
}
