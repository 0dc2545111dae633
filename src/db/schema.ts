// Every table, for Drizzle's query builder and drizzle-kit's migration generator.

export * from "../modules/activities/table.js";
export * from "../modules/api-keys/table.js";
export * from "../modules/auth/table.js";
export * from "../modules/calendar/table.js";
export * from "../modules/companies/table.js";
export * from "../modules/contacts/table.js";
export * from "../modules/custom-fields/table.js";
export * from "../modules/deals/table.js";
export * from "../modules/duplicates/table.js";
export * from "../modules/events/table.js";
export * from "../modules/forecast/table.js";
export * from "../modules/history/table.js";
export * from "../modules/imports/table.js";
export * from "../modules/leads/table.js";
export * from "../modules/mail/table.js";
export * from "../modules/notifications/table.js";
export * from "../modules/products/table.js";
export * from "../modules/quotas/table.js";
export * from "../modules/roles/table.js";
export * from "../modules/tasks/table.js";
export * from "../modules/users/table.js";
export * from "../modules/validation-rules/table.js";
export * from "../modules/views/table.js";
export * from "../modules/webhooks/table.js";
export * from "../modules/workspaces/table.js";
