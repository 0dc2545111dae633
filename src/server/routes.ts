import type { FastifyInstance } from "fastify";
import type { Database } from "../db/client.js";
import { jobRoutes } from "../jobs/routes.js";
import type { JobSystem } from "../jobs/system.js";
import { activityRoutes } from "../modules/activities/routes.js";
import { apiKeyRoutes } from "../modules/api-keys/routes.js";
import { auditRoutes } from "../modules/audit/routes.js";
import { authRoutes } from "../modules/auth/routes.js";
import { calendarRoutes } from "../modules/calendar/routes.js";
import { campaignRoutes } from "../modules/campaigns/routes.js";
import { cannedReplyRoutes } from "../modules/canned-replies/routes.js";
import { companyRoutes } from "../modules/companies/routes.js";
import { consentRoutes } from "../modules/consent/routes.js";
import { contactRoutes } from "../modules/contacts/routes.js";
import { csatRoutes } from "../modules/csat/routes.js";
import { customFieldRoutes } from "../modules/custom-fields/routes.js";
import { dashboardRoutes } from "../modules/dashboards/routes.js";
import { dealRoutes } from "../modules/deals/routes.js";
import { duplicateRoutes } from "../modules/duplicates/routes.js";
import { emailTemplateRoutes } from "../modules/email-templates/routes.js";
import { eventRoutes } from "../modules/events/routes.js";
import { exportRoutes } from "../modules/exports/routes.js";
import { forecastRoutes } from "../modules/forecast/routes.js";
import { historyRoutes } from "../modules/history/routes.js";
import { homeRoutes } from "../modules/home/routes.js";
import { importRoutes } from "../modules/imports/routes.js";
import { insightsRoutes } from "../modules/insights/routes.js";
import { invitationRoutes } from "../modules/invitations/routes.js";
import { kbRoutes } from "../modules/kb/routes.js";
import { leadRoutes } from "../modules/leads/routes.js";
import { mailRoutes } from "../modules/mail/routes.js";
import { mailInRoutes } from "../modules/mail-in/routes.js";
import { nextActionRoutes } from "../modules/next-actions/routes.js";
import { notificationRoutes } from "../modules/notifications/routes.js";
import { productRoutes } from "../modules/products/routes.js";
import { quotaRoutes } from "../modules/quotas/routes.js";
import { reportRoutes } from "../modules/reports/routes.js";
import { roleRoutes } from "../modules/roles/routes.js";
import { searchRoutes } from "../modules/search/routes.js";
import { segmentRoutes } from "../modules/segments/routes.js";
import { sequenceRoutes } from "../modules/sequences/routes.js";
import { serviceReportRoutes } from "../modules/service-reports/routes.js";
import { slaRoutes } from "../modules/sla/routes.js";
import { ssoRoutes } from "../modules/sso/routes.js";
import { taskRoutes } from "../modules/tasks/routes.js";
import { ticketPresenceRoutes } from "../modules/ticket-presence/routes.js";
import { ticketRoutes } from "../modules/tickets/routes.js";
import { userRoutes } from "../modules/users/routes.js";
import { validationRuleRoutes } from "../modules/validation-rules/routes.js";
import { vcardRoutes } from "../modules/vcard/routes.js";
import { viewRoutes } from "../modules/views/routes.js";
import { webhookRoutes } from "../modules/webhooks/routes.js";
import { deliveryKeyOf } from "../modules/webhooks/service.js";
import { workflowRoutes } from "../modules/workflows/routes.js";
import { workspaceRoutes } from "../modules/workspaces/routes.js";

export interface RouteDeps {
  database: Database;
  authRateLimit: number;
  secureCookies: boolean;
  /** Whether outgoing email can be sent (SMTP configured); without, it is kept in the outbox. */
  emailConfigured?: boolean;
  /** The address users reach Rapport at, for feed URLs; default: the request's origin. */
  publicUrl?: string;
  /** RAPPORT_SIGNUP; default open. */
  signup?: "open" | "closed";
  /** RAPPORT_SECRET_KEY: seals secrets kept for outside services (SSO client secrets) at rest. */
  secretKey?: string;
  /** The server's clock where a service reads time (ticket presence); tests move it. Default: the system clock. */
  clock?: { now(): number };
  /** The job queue, started on first use. */
  jobSystem: () => Promise<JobSystem>;
  /** Where this server receives mail by SMTP, when it does. */
  mailReceiver?: () => { host: string; port: number } | null;
}

export async function registerRoutes(api: FastifyInstance, deps: RouteDeps): Promise<void> {
  const mailQueue = async () => (await deps.jobSystem()).mail;
  await authRoutes(api, { ...deps, mailQueue });
  await invitationRoutes(api, { ...deps, mailQueue });
  await ssoRoutes(api, deps);
  await workspaceRoutes(api);
  await userRoutes(api);
  await apiKeyRoutes(api);
  await roleRoutes(api);
  await customFieldRoutes(api);
  await companyRoutes(api);
  await contactRoutes(api);
  await leadRoutes(api);
  await activityRoutes(api);
  await taskRoutes(api);
  await ticketRoutes(api, { mailQueue });
  await notificationRoutes(api, { emailConfigured: deps.emailConfigured ?? false });
  await calendarRoutes(api, { publicUrl: deps.publicUrl });
  await searchRoutes(api);
  await viewRoutes(api);
  await importRoutes(api, deps);
  await validationRuleRoutes(api);
  await slaRoutes(api);
  await insightsRoutes(api);
  await duplicateRoutes(api);
  await exportRoutes(api);
  await vcardRoutes(api);
  await dealRoutes(api);
  await productRoutes(api);
  await quotaRoutes(api);
  await forecastRoutes(api);
  await serviceReportRoutes(api);
  await reportRoutes(api, { clock: deps.clock });
  await dashboardRoutes(api, { clock: deps.clock });
  await eventRoutes(api);
  await auditRoutes(api);
  await historyRoutes(api);
  await kbRoutes(api, { publicUrl: deps.publicUrl });
  await csatRoutes(api);
  await homeRoutes(api);
  await nextActionRoutes(api);

  await segmentRoutes(api);
  await sequenceRoutes(api, { scheduler: async () => (await deps.jobSystem()).scheduleStep, clock: deps.clock });
  await consentRoutes(api, { publicUrl: deps.publicUrl });
  await webhookRoutes(api, {
    publicUrl: deps.publicUrl,
    // Routes write their delivery rows and the job in one transaction when they pass `tx`.
    schedule: async (key, options) => {
      await (await deps.jobSystem()).send("webhooks.deliver", key, { singletonKey: deliveryKeyOf(key), startAfter: options?.at, tx: options?.tx });
    },
  });
  await workflowRoutes(api, { engine: async () => (await deps.jobSystem()).workflowEngine });
  await jobRoutes(api, deps);
  await cannedReplyRoutes(api, { mailQueue });
  await ticketPresenceRoutes(api, { clock: deps.clock });
  await mailRoutes(api, { emailConfigured: deps.emailConfigured ?? false, mailQueue: async () => (await deps.jobSystem()).mail });
  await mailInRoutes(api, { secretKey: deps.secretKey, mailReceiver: deps.mailReceiver ?? (() => null) });
  await emailTemplateRoutes(api, {
    emailConfigured: deps.emailConfigured ?? false,
    mailQueue: async () => (await deps.jobSystem()).mail,
    secretKey: deps.secretKey,
    mailReceiver: deps.mailReceiver ?? (() => null),
  });
  await campaignRoutes(api, {
    clock: deps.clock,
    queue: async () => {
      const jobs = await deps.jobSystem();
      return {
        defaultFrom: jobs.mail.from,
        schedule: async (job, at) => {
          await jobs.send("campaigns.send", job, { singletonKey: job.campaignId, startAfter: at ?? new Date(deps.clock?.now() ?? Date.now()) });
          jobs.notify("campaigns.send");
        },
      };
    },
  });
}
