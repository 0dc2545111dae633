import { col, type FieldSource } from "../conditions/types.js";
import { activities } from "./table.js";

/** The activity table and how each built-in registry field of a activity is read (src/contract/fields.ts). */
export const activityConditionTable = activities;
export const activityConditionSources: Readonly<Record<string, FieldSource>> = {
  type: col("type", "text"),
  subject: col("subject", "text"),
  occurredAt: col("occurredAt", "datetime"),
  authorId: col("authorId", "uuid"),
  contactId: col("contactId", "uuid"),
  companyId: col("companyId", "uuid"),
  dealId: col("dealId", "uuid"),
  createdAt: col("createdAt", "datetime"),
};
