import type { Pipeline, Stage } from "../../contract/deals.js";
import type { SourceRow } from "./parse.js";
import type { Built } from "./plan.js";

/** What the import decided for one row, and what it resolved on the way. */
export interface Outcome {
  src: SourceRow;
  /** "unchanged": matches a record that already holds every value the row gives (update on duplicate); nothing is written. */
  action: "create" | "update" | "unchanged" | "skip" | "reject";
  reason?: string;
  built?: Built;
  targetId?: string;
  /** Contacts, deals and activities: the company to link, or the name of one to create. */
  companyId?: string;
  newCompany?: string;
  /** Deals and activities: the contact they involve. */
  contactId?: string;
  /** Activities: the deal they are about. */
  dealId?: string;
  /** Deals: the stage, or one the run adds to a pipeline first. */
  stage?: Stage;
  newStage?: { pipelineId: string; name: string };
}

export interface RunState {
  /** Keys seen in earlier rows (previews only, where earlier rows are not in the database). */
  seen?: Map<string, number>;
  /** Companies created by this import, by lower-cased name (so two rows naming one new company share it). */
  newCompanies: Map<string, string>;
  wouldCreate: Set<string>;
  /** Of those, names shaped like another system's record ids (the preview says so). */
  idLikeCompanies: Set<string>;
  /** Deals: the workspace's pipelines, read once per run and again after the run adds stages. */
  pipelines?: Pipeline[];
  /** Deals: stages to add, by pipeline id, then by lower-cased name; the probability comes from the first row naming it. */
  newStages: Map<string, Map<string, { name: string; probability: number | undefined }>>;
}
