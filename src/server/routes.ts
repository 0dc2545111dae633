import type { FastifyInstance } from "fastify";
import type { Database } from "../db/client.js";
import { activityRoutes } from "../modules/activities/routes.js";
import { apiKeyRoutes } from "../modules/api-keys/routes.js";
import { authRoutes } from "../modules/auth/routes.js";
import { companyRoutes } from "../modules/companies/routes.js";
import { contactRoutes } from "../modules/contacts/routes.js";
import { customFieldRoutes } from "../modules/custom-fields/routes.js";
import { duplicateRoutes } from "../modules/duplicates/routes.js";
import { exportRoutes } from "../modules/exports/routes.js";
import { importRoutes } from "../modules/imports/routes.js";
import { searchRoutes } from "../modules/search/routes.js";
import { userRoutes } from "../modules/users/routes.js";
import { validationRuleRoutes } from "../modules/validation-rules/routes.js";
import { vcardRoutes } from "../modules/vcard/routes.js";
import { viewRoutes } from "../modules/views/routes.js";

export interface RouteDeps {
  database: Database;
  authRateLimit: number;
  secureCookies: boolean;
}

export async function registerRoutes(api: FastifyInstance, deps: RouteDeps): Promise<void> {
  await authRoutes(api, deps);
  await userRoutes(api);
  await apiKeyRoutes(api);
  await customFieldRoutes(api);
  await companyRoutes(api);
  await contactRoutes(api);
  await activityRoutes(api);
  await searchRoutes(api);
  await viewRoutes(api);
  await importRoutes(api, deps);
  await validationRuleRoutes(api);
  await duplicateRoutes(api);
  await exportRoutes(api);
  await vcardRoutes(api);
}
