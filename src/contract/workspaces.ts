import { z } from "zod";
import { CountryCode, CurrencyCode, Id, Timestamp, TimeZone } from "./common.js";

export const WorkspaceInfo = z.object({
  id: Id,
  name: z.string(),
  slug: z.string(),
  defaultCountry: z.string().nullable().describe("ISO 3166 code: the country of phone numbers entered without a country code"),
  defaultCurrency: z.string().describe("ISO 4217 code used when a record names no currency"),
  timeZone: z.string().describe("IANA time zone every date is shown in (calendar days, due dates, forecast periods, exports); UTC until chosen"),
  requireTotp: z.boolean().describe("Members must sign in with an authenticator code; those without one are asked to set it up"),
  createdAt: Timestamp,
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

export const UpdateWorkspaceBody = z
  .object({
    name: z.string().trim().min(1, "Name your workspace").max(100).optional(),
    defaultCountry: CountryCode.nullable().optional(),
    defaultCurrency: CurrencyCode.optional(),
    timeZone: TimeZone.optional(),
    requireTotp: z.boolean().optional(),
  })
  .strict();
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>;
