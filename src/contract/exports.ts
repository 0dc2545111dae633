import { z } from "zod";
import { CompanyListQuery } from "./companies.js";
import { ContactListQuery } from "./contacts.js";
import { DealListQuery } from "./deals.js";

export const exportFormats = ["csv", "xlsx", "vcf"] as const;
export const ExportFormat = z.enum(exportFormats);
export type ExportFormat = z.infer<typeof ExportFormat>;

const exportExtras = {
  format: ExportFormat.default("csv"),
  columns: z
    .string()
    .max(3000)
    .optional()
    .describe(
      "Comma-separated column ids as the list view shows them (name, primaryEmail, company, owner, tags, custom.<key>, …); omitted exports every column",
    ),
};

/** The list's own query (q, filter, sort, …) without paging, plus the file format and the columns. */
export const ContactExportQuery = ContactListQuery.omit({ limit: true, cursor: true }).extend(exportExtras).strict();
export type ContactExportQuery = z.infer<typeof ContactExportQuery>;
export const CompanyExportQuery = CompanyListQuery.omit({ limit: true, cursor: true })
  .extend({ ...exportExtras, format: z.enum(["csv", "xlsx"]).default("csv") })
  .strict();
export type CompanyExportQuery = z.infer<typeof CompanyExportQuery>;
export const DealExportQuery = DealListQuery.omit({ limit: true, cursor: true })
  .extend({ ...exportExtras, format: z.enum(["csv", "xlsx"]).default("csv") })
  .strict();
export type DealExportQuery = z.infer<typeof DealExportQuery>;

/** One column of an export: its id (as in `columns`) and the header it gets. */
export const ExportColumn = z.object({ id: z.string(), label: z.string() });
export type ExportColumn = z.infer<typeof ExportColumn>;
export const ExportColumns = z.object({ data: z.array(ExportColumn) });

export const VcardSelection = z
  .object({ ids: z.array(z.uuid()).min(1).max(5000) })
  .strict()
  .describe("Contacts to export as one vCard 4.0 file");

/** One card that could not be imported, by its position in the file (1-based) and why. */
export const VcardRejection = z.object({ index: z.number().int(), name: z.string().nullable(), reason: z.string() });
export const VcardImportResult = z.object({
  cards: z.number().int().describe("Cards found in the file"),
  created: z.number().int(),
  skipped: z.array(VcardRejection).describe("Cards left out on purpose, e.g. a contact with that email exists"),
  rejected: z.array(VcardRejection).describe("Cards that could not be read or failed validation"),
  warnings: z.array(VcardRejection).describe("Values left out of imported cards (an invalid phone, an unknown country, …)"),
  companiesCreated: z.number().int(),
  notesCreated: z.number().int(),
  contactIds: z.array(z.uuid()),
});
export type VcardImportResult = z.infer<typeof VcardImportResult>;
