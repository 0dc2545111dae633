import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { boardQuery, DEALS_VIEW_KEY, defaultPipeline, pipelinesQuery } from "../deals/api.js";
import { AppLayout } from "./AppLayout.js";
import { queryClient } from "./query-client.js";
import { NotFound, RouteError, RoutePending } from "./RouteStates.js";

// Every page is its own chunk (lazyRouteComponent is React.lazy with preloading on link hover),
// so the first load only carries the shell.
const rootRoute = createRootRoute({ component: AppLayout, notFoundComponent: NotFound });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/home" });
  },
});
// "My day": where people land after signing in.
const homeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/home",
  component: lazyRouteComponent(() => import("../home/HomePage.js"), "HomePage"),
});

/** `?new=true` opens the create form (used by the command palette). */
const listSearch = (s: Record<string, unknown>): { new?: boolean } => (s.new === true || s.new === "true" ? { new: true } : {});

const contactsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/contacts",
  validateSearch: (s: Record<string, unknown>): { new?: boolean; segment?: string } => ({
    ...listSearch(s),
    ...(typeof s.segment === "string" && s.segment ? { segment: s.segment } : {}),
  }),
  component: lazyRouteComponent(() => import("../contacts/ContactsPage.js"), "ContactsPage"),
});
const contactRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/contacts/$id",
  component: lazyRouteComponent(() => import("../contacts/ContactPage.js"), "ContactPage"),
});
const companiesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/companies",
  validateSearch: listSearch,
  component: lazyRouteComponent(() => import("../companies/CompaniesPage.js"), "CompaniesPage"),
});
const companyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/companies/$id",
  component: lazyRouteComponent(() => import("../companies/CompanyPage.js"), "CompanyPage"),
});
const dealsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/deals",
  // A report's drill-down opens the table with its filter (a condition as JSON) and says where it came from.
  validateSearch: (s: Record<string, unknown>): { filter?: string; drill?: string } => ({
    filter: typeof s.filter === "string" ? s.filter : undefined,
    drill: typeof s.drill === "string" ? s.drill : undefined,
  }),
  // The board's data starts loading with the page's code (on a link's hover, too) instead of after it: pipelines,
  // then the default pipeline's unfiltered board, which is the page's first query. Not awaited: the page renders
  // as soon as its code is in and picks the requests up where they are.
  loader: () => {
    if (sessionStorage.getItem(DEALS_VIEW_KEY) === "table") return;
    void queryClient
      .ensureQueryData(pipelinesQuery)
      .then((pipelines) => {
        const pipeline = defaultPipeline(pipelines);
        return pipeline ? queryClient.prefetchQuery(boardQuery(pipeline.id, {})) : undefined;
      })
      .catch(() => undefined);
  },
  component: lazyRouteComponent(() => import("../deals/DealsBoardPage.js"), "DealsBoardPage"),
});
const dealRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/deals/$id",
  component: lazyRouteComponent(() => import("../deals/DealPage.js"), "DealPage"),
});
const productsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/products",
  component: lazyRouteComponent(() => import("../products/ProductsPage.js"), "ProductsPage"),
});
const tasksRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tasks",
  validateSearch: (s: Record<string, unknown>): { task?: string } => (typeof s.task === "string" ? { task: s.task } : {}),
  component: lazyRouteComponent(() => import("../tasks/TasksPage.js"), "TasksPage"),
});
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const ticketTabs = ["mine", "unassigned", "overdue"] as const;
const ticketSorts = ["-createdAt", "createdAt", "-updatedAt", "slaDueAt", "-priority"] as const;
const ticketsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tickets",
  validateSearch: (s: Record<string, unknown>): import("../tickets/TicketsPage.js").TicketsSearch => ({
    ...listSearch(s),
    tab: ticketTabs.find((t) => t === s.tab),
    view: s.view === "board" ? "board" : undefined,
    q: str(s.q),
    status: str(s.status),
    priority: str(s.priority),
    channel: str(s.channel),
    queueId: str(s.queueId),
    sort: ticketSorts.find((x) => x === s.sort),
    dueWithin: typeof s.dueWithin === "number" && Number.isInteger(s.dueWithin) && s.dueWithin > 0 ? s.dueWithin : undefined,
  }),
  component: lazyRouteComponent(() => import("../tickets/TicketsPage.js"), "TicketsPage"),
});
const ticketRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tickets/$id",
  component: lazyRouteComponent(() => import("../tickets/TicketPage.js"), "TicketPage"),
});
const serviceSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/service",
  validateSearch: (s: Record<string, unknown>): { tab?: string } => (typeof s.tab === "string" ? { tab: s.tab } : {}),
  component: lazyRouteComponent(() => import("../settings/ServiceSettings.js"), "ServiceSettings"),
});
const emailTemplatesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/marketing/templates",
  component: lazyRouteComponent(() => import("../email-templates/EmailTemplatesPage.js"), "EmailTemplatesPage"),
});
const sequencesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/marketing/sequences",
  component: lazyRouteComponent(() => import("../sequences/SequencesPage.js"), "SequencesPage"),
});
const sequenceRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/marketing/sequences/$id",
  component: lazyRouteComponent(() => import("../sequences/SequencePage.js"), "SequencePage"),
});
const campaignsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/marketing/campaigns",
  component: lazyRouteComponent(() => import("../campaigns/CampaignsPage.js"), "CampaignsPage"),
});
const campaignRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/marketing/campaigns/$id",
  component: lazyRouteComponent(() => import("../campaigns/CampaignPage.js"), "CampaignPage"),
});
const emailSendingRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/email-sending",
  component: lazyRouteComponent(() => import("../settings/EmailSendingSettings.js"), "EmailSendingSettings"),
});
const kbRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/kb",
  component: lazyRouteComponent(() => import("../kb/KnowledgeBasePage.js"), "KnowledgeBasePage"),
});
const articleRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/kb/$id",
  component: lazyRouteComponent(() => import("../kb/ArticlePage.js"), "ArticlePage"),
});
const calendarRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/calendar",
  component: lazyRouteComponent(() => import("../calendar/CalendarPage.js"), "CalendarPage"),
});
const trashRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/trash",
  component: lazyRouteComponent(() => import("../trash/TrashPage.js"), "TrashPage"),
});
const dataQualityRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/data-quality",
  component: lazyRouteComponent(() => import("../data-quality/DataQualityPage.js"), "DataQualityPage"),
});
const importsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/imports",
  component: lazyRouteComponent(() => import("../imports/ImportsPage.js"), "ImportsPage"),
});
const forecastRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/forecast",
  component: lazyRouteComponent(() => import("../forecast/ForecastPage.js"), "ForecastPage"),
});
const reportsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reports",
  component: lazyRouteComponent(() => import("../reports/ReportsPage.js"), "ReportsPage"),
});
const reportRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reports/$id",
  component: lazyRouteComponent(() => import("../reports/ReportBuilderPage.js"), "ReportBuilderPage"),
});
const dashboardsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/dashboards",
  component: lazyRouteComponent(() => import("../dashboards/DashboardsPage.js"), "DashboardsPage"),
});
const dashboardRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/dashboards/$id",
  component: lazyRouteComponent(() => import("../dashboards/DashboardPage.js"), "DashboardPage"),
});
const quotasRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/forecast/quotas",
  component: lazyRouteComponent(() => import("../forecast/QuotasPage.js"), "QuotasPage"),
});
const serviceDashboardRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/service/dashboard",
  component: lazyRouteComponent(() => import("../service-dashboard/ServiceDashboardPage.js"), "ServiceDashboardPage"),
});
const workflowsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/workflows",
  component: lazyRouteComponent(() => import("../workflows/WorkflowsPage.js"), "WorkflowsPage"),
});
const workflowRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/workflows/$id",
  validateSearch: (s: Record<string, unknown>): { tab?: string } => (typeof s.tab === "string" ? { tab: s.tab } : {}),
  component: lazyRouteComponent(() => import("../workflows/WorkflowBuilderPage.js"), "WorkflowBuilderPage"),
});
const workflowRunRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/workflows/$id/runs/$runId",
  component: lazyRouteComponent(() => import("../workflows/RunPage.js"), "RunPage"),
});
const segmentsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/segments",
  validateSearch: (s: Record<string, unknown>): { tab?: "rfm" } => (s.tab === "rfm" ? { tab: "rfm" } : {}),
  component: lazyRouteComponent(() => import("../segments/SegmentsPage.js"), "SegmentsPage"),
});
const segmentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/segments/$id",
  component: lazyRouteComponent(() => import("../segments/SegmentPage.js"), "SegmentPage"),
});
const topicsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/subscription-topics",
  component: lazyRouteComponent(() => import("../segments/TopicsSettings.js"), "TopicsSettings"),
});
const suppressionSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/suppression",
  component: lazyRouteComponent(() => import("../segments/SuppressionSettings.js"), "SuppressionSettings"),
});
const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/settings",
  beforeLoad: ({ location }) => {
    if (location.pathname.replace(/\/$/, "") === "/settings") throw redirect({ to: "/settings/users" });
  },
});
const ssoSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/sso",
  component: lazyRouteComponent(() => import("../settings/SsoSettings.js"), "SsoSettings"),
});
const mailboxesSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/mailboxes",
  component: lazyRouteComponent(() => import("../settings/MailboxesSettings.js"), "MailboxesSettings"),
});
const sessionsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/account/sessions",
  component: lazyRouteComponent(() => import("../account/SessionsPage.js"), "SessionsPage"),
});
const usersRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/users",
  component: lazyRouteComponent(() => import("../settings/UsersSettings.js"), "UsersSettings"),
});
const rolesRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/roles",
  component: lazyRouteComponent(() => import("../settings/RolesSettings.js"), "RolesSettings"),
});
const customFieldsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/custom-fields",
  component: lazyRouteComponent(() => import("../settings/CustomFieldsSettings.js"), "CustomFieldsSettings"),
});
const workspaceSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/workspace",
  component: lazyRouteComponent(() => import("../settings/WorkspaceSettings.js"), "WorkspaceSettings"),
});
const pipelinesSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/pipelines",
  component: lazyRouteComponent(() => import("../deals/PipelinesSettings.js"), "PipelinesSettings"),
});
const slaSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/service-levels",
  component: lazyRouteComponent(() => import("../sla/SlaSettings.js"), "SlaSettings"),
});
const insightsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/predictions",
  component: lazyRouteComponent(() => import("../insights/InsightsSettings.js"), "InsightsSettings"),
});
const insightModelRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/predictions/$modelId",
  component: lazyRouteComponent(() => import("../insights/InsightsSettings.js"), "InsightModelPage"),
});
const jobsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/jobs",
  component: lazyRouteComponent(() => import("../settings/JobsSettings.js"), "JobsSettings"),
});
const mailSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/email",
  component: lazyRouteComponent(() => import("../settings/MailSettings.js"), "MailSettings"),
});
const webhooksSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/webhooks",
  component: lazyRouteComponent(() => import("../settings/WebhooksSettings.js"), "WebhooksSettings"),
});
const auditSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/audit",
  component: lazyRouteComponent(() => import("../settings/AuditSettings.js"), "AuditSettings"),
});
const satisfactionSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/satisfaction",
  component: lazyRouteComponent(() => import("../settings/SatisfactionSettings.js"), "SatisfactionSettings"),
});
const apiKeysRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/api-keys",
  component: lazyRouteComponent(() => import("../settings/ApiKeysSettings.js"), "ApiKeysSettings"),
});

const accountRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/account",
  component: lazyRouteComponent(() => import("../account/AccountPage.js"), "AccountPage"),
});

const leadsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/leads",
  component: lazyRouteComponent(() => import("../leads/LeadsPage.js"), "LeadsPage"),
});
const formsSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/forms",
  component: lazyRouteComponent(() => import("../leads/FormsSettings.js"), "FormsSettings"),
});
const assignmentSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/assignment",
  component: lazyRouteComponent(() => import("../leads/AssignmentSettings.js"), "AssignmentSettings"),
});
const scoringSettingsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/scoring",
  component: lazyRouteComponent(() => import("../leads/ScoringSettings.js"), "ScoringSettings"),
});

const routeTree = rootRoute.addChildren([
  accountRoute,
  leadsRoute,
  tasksRoute,
  ticketsRoute,
  ticketRoute,
  kbRoute,
  emailTemplatesRoute,
  campaignsRoute,
  campaignRoute,
  articleRoute,
  calendarRoute,
  indexRoute,
  homeRoute,
  contactsRoute,
  contactRoute,
  companiesRoute,
  companyRoute,
  dealsRoute,
  dealRoute,
  productsRoute,
  trashRoute,
  dataQualityRoute,
  importsRoute,
  forecastRoute,
  reportsRoute,
  dashboardsRoute,
  dashboardRoute,
  reportRoute,
  serviceDashboardRoute,
  quotasRoute,
  sessionsRoute,
  workflowsRoute,
  workflowRoute,
  workflowRunRoute,
  segmentsRoute,
  segmentRoute,
  sequencesRoute,
  sequenceRoute,
  settingsRoute.addChildren([
    topicsSettingsRoute,
    suppressionSettingsRoute,
    workspaceSettingsRoute,
    usersRoute,
    rolesRoute,
    customFieldsRoute,
    apiKeysRoute,
    auditSettingsRoute,
    jobsSettingsRoute,
    slaSettingsRoute,
    insightsSettingsRoute,
    insightModelRoute,
    mailSettingsRoute,
    emailSendingRoute,
    webhooksSettingsRoute,
    pipelinesSettingsRoute,
    formsSettingsRoute,
    assignmentSettingsRoute,
    scoringSettingsRoute,
    ssoSettingsRoute,
    serviceSettingsRoute,
    satisfactionSettingsRoute,
    mailboxesSettingsRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  defaultPreload: "intent",
  defaultPendingComponent: RoutePending,
  defaultErrorComponent: RouteError,
  defaultPendingMs: 150,
  scrollRestoration: true,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
