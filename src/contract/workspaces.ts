import { z } from "zod";
import { CountryCode, Id, Timestamp } from "./common.js";

export const WorkspaceInfo = z.object({
  id: Id,
  name: z.string(),
  slug: z.string(),
  defaultCountry: z.string().nullable().describe("ISO 3166 code: the country of phone numbers entered without a country code"),
  defaultCurrency: z.string().describe("ISO 4217 code used when a record names no currency"),
  createdAt: Timestamp,
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

export const UpdateWorkspaceBody = z
  .object({
    name: z.string().trim().min(1, "Name your workspace").max(100).optional(),
    defaultCountry: CountryCode.nullable().optional(),
    defaultCurrency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, "Use an ISO 4217 code such as EUR")
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .strict();
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>;
