import { sql } from "drizzle-orm";
import { col, type FieldSource, stamps } from "../conditions/types.js";
import { companies } from "./table.js";

const addr = (key: string): FieldSource => ({ sql: (t) => sql`(${t.address} ->> ${sql.raw(`'${key}'`)})`, kind: "text" });

/** The company table and how each built-in registry field of a company is read (src/contract/fields.ts). */
export const companyConditionTable = companies;
export const companyConditionSources: Readonly<Record<string, FieldSource>> = {
  name: col("name", "text"),
  domain: col("domain", "text"),
  industry: col("industry", "text"),
  employees: col("employees", "number"),
  annualRevenue: col("annualRevenue", "number"),
  currency: col("currency", "text"),
  phone: col("phone", "text"),
  country: addr("country"),
  city: addr("city"),
  parentId: col("parentId", "uuid"),
  ownerId: col("ownerId", "uuid"),
  tags: col("tags", "array"),
  description: col("description", "text"),
  ...stamps,
};
