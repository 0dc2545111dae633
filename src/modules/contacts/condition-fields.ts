import { type AnyColumn, sql } from "drizzle-orm";
import { col, type FieldSource, stamps } from "../conditions/types.js";
import { contacts } from "./table.js";

const addr = (key: string): FieldSource => ({ sql: (t) => sql`(${t.address} ->> ${sql.raw(`'${key}'`)})`, kind: "text" });

/** The contact table and how each built-in registry field of a contact is read (src/contract/fields.ts). */
export const contactConditionTable = contacts;
export const contactConditionSources: Readonly<Record<string, FieldSource>> = {
  firstName: col("firstName", "text"),
  lastName: col("lastName", "text"),
  primaryEmail: col("primaryEmail", "text"),
  email: {
    sql: (t) => t.emailList as AnyColumn,
    kind: "array",
    js: (r) => (Array.isArray(r.emails) ? r.emails.map((e) => (e as { email?: string }).email) : (r.emailList ?? [])),
  },
  emailDomain: {
    sql: (t) => sql`nullif(split_part(${t.primaryEmail}, '@', 2), '')`,
    kind: "text",
    js: (r) => (typeof r.primaryEmail === "string" ? r.primaryEmail.split("@")[1] || null : null),
  },
  primaryPhone: col("primaryPhone", "text"),
  jobTitle: col("jobTitle", "text"),
  companyId: col("companyId", "uuid"),
  ownerId: col("ownerId", "uuid"),
  lifecycleStage: col("lifecycleStage", "text"),
  leadSource: col("leadSource", "text"),
  leadStatus: col("leadStatus", "text"),
  leadScore: col("leadScore", "number"),
  tags: col("tags", "array"),
  country: addr("country"),
  region: addr("region"),
  city: addr("city"),
  doNotContact: col("doNotContact", "boolean"),
  emailConsent: col("emailConsent", "boolean"),
  ...stamps,
};
