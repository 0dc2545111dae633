import { existsSync } from "node:fs";
import { resolve } from "node:path";
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { sql } from "drizzle-orm";
import Fastify, { type FastifyInstance } from "fastify";
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database, Db } from "../db/client.js";
import { queryRows } from "../db/client.js";
import { type JobSystem, type JobSystemOptions, type QueueName, startJobSystem } from "../jobs/system.js";
import { calendarFeedRoute } from "../modules/calendar/routes.js";
import { preferencePageRoutes } from "../modules/consent/public-routes.js";
import { csatPublicRoutes } from "../modules/csat/public-routes.js";
import { receiveBounce } from "../modules/email-templates/bounces.js";
import { marketingPublicRoutes } from "../modules/email-templates/public-routes.js";
import { helpCentreRoutes } from "../modules/kb/public-routes.js";
import { publicFormRoutes } from "../modules/leads/public.js";
import { workspacesByBounceAddress } from "../modules/mail/sending.js";
import { type RunningReceiver, startMailReceiver } from "../modules/mail-in/receiver.js";
import { deliverToTickets } from "../modules/mail-in/threading.js";
import { portalRoutes } from "../modules/portal/public-routes.js";
import { inboundHookRoutes } from "../modules/webhooks/routes.js";
import { registerAuth } from "./auth.js";
import { clientErrorHandler, frameworkErrors, registerErrorHandling, registerTextCheck, sendNotFound } from "./errors.js";
import { registerRoutes } from "./routes.js";
import { serializerCompiler } from "./serializer.js";

export interface AppOptions {
  database: Database;
  /** Folder of the built web app; omitted serves the API only. */
  webDir?: string;
  logLevel?: string;
  /** Sign-in and sign-up attempts per IP per minute. */
  authRateLimit?: number;
  /** Requests per minute to /api/v1 per API key, per signed-in user, or per IP when anonymous; omitted: no limit. */
  apiRateLimit?: number;
  /** Session cookies always Secure; without it they are Secure when the request came over HTTPS (directly or through a trusted proxy). */
  secureCookies?: boolean;
  /** Proxies (addresses, CIDR ranges, loopback…) whose X-Forwarded-* headers are believed; omitted: none. */
  trustProxy?: string[] | false;
  /**
   * The job queue (pg-boss). With `worker` this process runs every kind of job (serve without --no-worker); without,
   * it only enqueues and administers, and pg-boss starts on first use. Omitted: worker off.
   */
  jobs?: Pick<JobSystemOptions, "worker" | "clock" | "consumers" | "pollingIntervalSeconds" | "eventRetentionDays" | "extraQueues" | "webhookTimeoutMs">;
  /** smtp(s):// URL outgoing mail is sent through; omitted keeps it in the outbox as not sent (Settings → Email log). */
  smtpUrl?: string;
  mailFrom?: string;
  /** The address users reach Rapport at, for links in emails and feeds. */
  publicUrl?: string;
  /** Who may create workspaces (RAPPORT_SIGNUP); default open. */
  signup?: "open" | "closed";
  /** RAPPORT_SECRET_KEY: seals secrets kept for outside services (SSO client secrets) at rest; omitted keeps them as given. */
  secretKey?: string;
  /** Receive mail for the workspaces' mailboxes by SMTP on this port (MAIL_IN_SMTP_PORT; 0: any free port, for tests). */
  mailIn?: { port: number; host?: string; maxBytes?: number };
}

export type App = FastifyInstance;

/** Builds the whole HTTP application; starting it (listen) happens elsewhere, so tests can inject. */
export async function buildApp(options: AppOptions): Promise<App> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? "info",
      // Credentials never reach the log.
      redact: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]'],
      serializers: {
        // An inbound hook's URL is its credential: the log keeps the path up to the secret, never the secret.
        req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
          method: req.method,
          // A single sign-on callback's code and state are one-use credentials: kept out of the log too.
          url: req.url.replace(/^(\/hooks\/in\/[^./?]*)[^?]*/, "$1.…").replace(/([?&](?:code|state)=)[^&]*/g, "$1…"),
          hostname: req.hostname,
          remoteAddress: req.ip,
        }),
      },
    },
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    clientErrorHandler,
    // Believing X-Forwarded-For from anyone lets a client pick its own address, and so its own rate-limit budget.
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies: a cross-site form cannot post text/plain or urlencoded data that we would accept.
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app);
  registerTextCheck(app);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { upgradeInsecureRequests: null, "script-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:", "https:"] },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  // RateLimit-* headers (IETF draft) on every limited route.
  await app.register(rateLimit, { global: false, enableDraftSpec: true });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Rapport API",
        version: "1",
        description: "Companies, contacts, activities and the platform around them. Errors are RFC 9457 problem+json.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "An API key created under Settings → API keys" },
          session: { type: "apiKey", in: "cookie", name: "rapport_session" },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });
  registerAuth(app, options.database);

  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get(
    "/api/health",
    { schema: { tags: ["platform"], response: { 200: z.object({ status: z.literal("ok"), database: z.enum(["pglite", "postgres"]) }) } } },
    async () => {
      await queryRows(options.database.db, sql`select 1`);
      return { status: "ok" as const, database: options.database.kind };
    },
  );

  // One job system per app. A worker starts it when the server is ready; otherwise the first enqueue or Jobs page
  // starts it, so an API-only process (and most tests) never pays for it.
  let system: Promise<JobSystem> | undefined;
  const jobSystem = () => {
    system ??= startJobSystem({
      database: options.database,
      worker: options.jobs?.worker ?? false,
      smtpUrl: options.smtpUrl,
      mailFrom: options.mailFrom,
      // Unset: the address this server listens on, so links in mail reach it (a proxy in front sets RAPPORT_PUBLIC_URL).
      publicUrl:
        options.publicUrl ??
        (() => {
          const address = app.server.address();
          return typeof address === "object" && address ? `http://localhost:${address.port}` : undefined;
        }),
      log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) },
      clock: options.jobs?.clock,
      consumers: options.jobs?.consumers,
      pollingIntervalSeconds: options.jobs?.pollingIntervalSeconds,
      eventRetentionDays: options.jobs?.eventRetentionDays,
      extraQueues: options.jobs?.extraQueues,
      webhookTimeoutMs: options.jobs?.webhookTimeoutMs,
      secretKey: options.secretKey,
    });
    return system;
  };
  app.decorate("jobs", {
    send: async (name: string, data: object, o?: { singletonKey?: string; tx?: Db }) => (await jobSystem()).send(name as QueueName, data as never, o),
    ready: async () => void (await jobSystem()),
    notify: async (name: string) => (await jobSystem()).notify(name),
  });
  if (options.jobs?.worker) app.addHook("onReady", async () => void (await jobSystem()));

  // The inbound SMTP receiver: its acknowledgements go through the same outbox (and job system) as all other mail.
  let receiver: RunningReceiver | undefined;
  const mailIn = options.mailIn;
  if (mailIn)
    app.addHook("onReady", async () => {
      // The job system first: acknowledgements enqueue inside the receiving transaction, and starting pg-boss there
      // would wait for the connection that transaction holds (PGlite has one).
      const jobs = await jobSystem();
      receiver = await startMailReceiver({
        db: options.database.db,
        port: mailIn.port,
        host: mailIn.host,
        maxBytes: mailIn.maxBytes,
        deps: {
          deliver: deliverToTickets,
          mail: jobs.mail,
        },
        bounces: {
          accepts: async (address) => (await workspacesByBounceAddress(options.database.db, address)).length > 0,
          receive: (raw, recipients) => receiveBounce(options.database.db, raw, recipients, { warn: (m) => app.log.warn(m) }),
        },
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) },
      });
    });
  app.addHook("onClose", async () => {
    await receiver?.close();
  });
  const mailReceiver = () => (receiver ? { host: receiver.host, port: receiver.port } : null);
  app.addHook("onClose", async () => {
    if (system) await (await system).stop();
  });

  await app.register(
    async (api) => {
      const limit = options.apiRateLimit;
      if (limit)
        // After authentication (a parent hook), so the budget is the caller's own: a key's, a user's, else an IP's.
        api.addHook(
          "onRequest",
          api.rateLimit({
            max: limit,
            timeWindow: "1 minute",
            keyGenerator: (req) =>
              req.ctx?.actor.apiKeyId ? `key:${req.ctx.actor.apiKeyId}` : req.ctx?.actor.userId ? `user:${req.ctx.actor.userId}` : `ip:${req.ip}`,
          }),
        );
      await registerRoutes(api, {
        database: options.database,
        authRateLimit: options.authRateLimit ?? 10,
        secureCookies: options.secureCookies ?? false,
        emailConfigured: Boolean(options.smtpUrl),
        publicUrl: options.publicUrl,
        signup: options.signup,
        secretKey: options.secretKey,
        clock: options.jobs?.clock,
        jobSystem,
        mailReceiver,
      });
    },
    {
      prefix: "/api/v1",
    },
  );

  await app.register(async (feed) => calendarFeedRoute(feed, { database: options.database, publicUrl: options.publicUrl }));
  // Web-to-lead forms: public, outside /api/v1, with their own urlencoded parser.
  await app.register(async (forms) => publicFormRoutes(forms, { database: options.database }));
  await app.register(async (hooks) => inboundHookRoutes(hooks, { database: options.database }));
  // The public help centre: server-rendered pages outside /api/v1, before the web app's fallback.
  await app.register(async (help) => helpCentreRoutes(help, { database: options.database }));
  // Marketing mail's open pixel, click redirects and (one-click) unsubscribe: public, signed links.
  await app.register(async (m) => marketingPublicRoutes(m, { database: options.database }));
  // One-click answers to satisfaction surveys, under the help centre's address.
  await app.register(async (csat) => csatPublicRoutes(csat, { database: options.database }));
  await app.register(async (prefs) => preferencePageRoutes(prefs, { database: options.database }));
  // The customer portal (magic-link sign-in, the customer's own tickets), under the help centre's address.
  await app.register(async (portal) =>
    portalRoutes(portal, {
      database: options.database,
      mailQueue: async () => (await jobSystem()).mail,
      secureCookies: options.secureCookies ?? false,
      publicUrl: options.publicUrl,
    }),
  );

  const webDir = options.webDir ? resolve(options.webDir) : undefined;
  const hasWeb = Boolean(webDir && existsSync(resolve(webDir, "index.html")));
  if (hasWeb)
    await app.register(fastifyStatic, {
      root: webDir as string,
      wildcard: false,
      index: false,
      cacheControl: false,
      // Vite names files under assets/ by their content hash: they never change, so a year is safe. Everything else
      // (index.html above all) must be revalidated, or a deploy reaches users only when their cache expires.
      setHeaders: (reply, path) => reply.header("cache-control", /[\\/]assets[\\/]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache"),
    });
  // One not-found handler: client-side routes (/contacts/…) get the app shell, everything else a problem+json 404.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    if (hasWeb && request.method === "GET" && !path.startsWith("/api")) {
      return reply.header("cache-control", "no-cache").sendFile("index.html");
    }
    return sendNotFound(request, reply);
  });
  return app;
}
