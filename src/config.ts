import { isIP } from "node:net";
import { z } from "zod";

const proxyKeywords = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * TRUST_PROXY: the reverse proxies whose X-Forwarded-For / -Proto / -Host are believed, as a comma-separated list of
 * addresses, CIDR ranges, or loopback / linklocal / uniquelocal. Unset trusts none: the peer's own address is the
 * client's, so rotating X-Forwarded-For cannot dodge a rate limit. "Trust everyone" is refused on purpose.
 */
export function parseTrustProxy(value: string | undefined): string[] | false {
  const entries = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0 || (entries.length === 1 && entries[0] === "false")) return false;
  for (const entry of entries) {
    if (proxyKeywords.has(entry)) continue;
    const [address, bits, extra] = entry.split("/");
    const family = isIP(address ?? "");
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !validBits || extra !== undefined)
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an address, a CIDR range or loopback/linklocal/uniquelocal; name your proxies' addresses (trusting every sender would let clients forge their address)`,
      );
  }
  return entries;
}

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
  /** Reverse proxies to believe X-Forwarded-* from (see parseTrustProxy); unset trusts none. */
  TRUST_PROXY: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((v, c) => {
        try {
          return parseTrustProxy(v);
        } catch (e) {
          c.addIssue({ code: "custom", message: (e as Error).message });
          return z.NEVER;
        }
      }),
  ),
  RAPPORT_WEB_DIR: z.string().optional(),
  /** smtp://user:pass@host:587 or smtps://…; unset means no email is sent (reminders stay in-app). */
  SMTP_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^smtps?$/, error: "SMTP_URL must be an smtp:// or smtps:// URL" }).optional()),
  MAIL_FROM: z.preprocess(unsetIfEmpty, z.string().default("Rapport <rapport@localhost>")),
  /** The address users reach Rapport at, for links in emails and calendar feeds. */
  /** Who may create a workspace: "open" (anyone, the zero-setup default) or "closed" (invitations only; the first sign-up on an empty instance still works). */
  RAPPORT_SIGNUP: z.preprocess(unsetIfEmpty, z.enum(["open", "closed"], { error: "RAPPORT_SIGNUP must be open or closed" }).default("open")),
  RAPPORT_PUBLIC_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: "RAPPORT_PUBLIC_URL must be an http(s) URL" }).optional()),
  /** Seals secrets Rapport keeps for outside services (SSO client secrets) at rest; keep it out of backups. */
  RAPPORT_SECRET_KEY: z.preprocess(unsetIfEmpty, z.string().min(16, "RAPPORT_SECRET_KEY must be at least 16 characters").optional()),
  /** Receive mail for the workspaces' mailboxes by SMTP on this port (e.g. 25 or 2525 behind the MX); unset: no receiver. */
  MAIL_IN_SMTP_PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).max(65535).optional()),
  MAIL_IN_SMTP_HOST: z.preprocess(unsetIfEmpty, z.string().default("0.0.0.0")),
  /** Largest message the SMTP receiver takes, in bytes (default 25 MB). */
  MAIL_IN_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(200 * 1024 * 1024)
    .default(25 * 1024 * 1024),
  /** Requests per minute to /api/v1 per API key or signed-in user (per IP when anonymous); 0 turns the limit off. */
  RAPPORT_API_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(600),
  /** Seconds between polls of each job queue when no notification wakes it. */
  RAPPORT_JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  /** Days events are kept for consumers and replay before the events.prune job deletes them. */
  RAPPORT_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
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
