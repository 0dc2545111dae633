import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { AppLayout } from "./AppLayout.js";
import { NotFound, RouteError, RoutePending } from "./RouteStates.js";

// Every page is its own chunk (lazyRouteComponent is React.lazy with preloading on link hover),
// so the first load only carries the shell.
const rootRoute = createRootRoute({ component: AppLayout, notFoundComponent: NotFound });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/contacts" });
  },
});

/** `?new=true` opens the create form (used by the command palette). */
const listSearch = (s: Record<string, unknown>): { new?: boolean } => (s.new === true || s.new === "true" ? { new: true } : {});

const contactsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/contacts",
  validateSearch: listSearch,
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
const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/settings",
  beforeLoad: ({ location }) => {
    if (location.pathname.replace(/\/$/, "") === "/settings") throw redirect({ to: "/settings/users" });
  },
});
const usersRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/users",
  component: lazyRouteComponent(() => import("../settings/UsersSettings.js"), "UsersSettings"),
});
const customFieldsRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/custom-fields",
  component: lazyRouteComponent(() => import("../settings/CustomFieldsSettings.js"), "CustomFieldsSettings"),
});
const apiKeysRoute = createRoute({
  getParentRoute: () => settingsRoute,
  path: "/api-keys",
  component: lazyRouteComponent(() => import("../settings/ApiKeysSettings.js"), "ApiKeysSettings"),
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  contactsRoute,
  contactRoute,
  companiesRoute,
  companyRoute,
  trashRoute,
  dataQualityRoute,
  importsRoute,
  settingsRoute.addChildren([usersRoute, customFieldsRoute, apiKeysRoute]),
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
