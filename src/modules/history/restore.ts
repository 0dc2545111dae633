import type { z } from "zod";
import type { Company } from "../../contract/companies.js";
import { UpdateCompanyBody } from "../../contract/companies.js";
import type { Contact } from "../../contract/contacts.js";
import { UpdateContactBody } from "../../contract/contacts.js";
import { type Deal, UpdateDealBody } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { updateCompany } from "../companies/service.js";
import { updateContact } from "../contacts/service.js";
import { getPipeline } from "../deals/pipelines.js";
import { getDeal, updateDeal } from "../deals/service.js";
import { getHistoryEntry } from "./reassign.js";

/** Fields whose empty value is "" rather than null in the update input. */
const emptyIsBlank = new Set(["firstName", "lastName"]);
const emptyIsList = new Set(["emails", "phones", "tags"]);

/**
 * Puts one field back to the value it had before a recorded change. The value goes through the normal
 * update service, so it is validated (schema, normalisation, validation rules) and recorded in history.
 */
export async function restoreField(
  ctx: Ctx,
  object: "contact" | "company",
  id: string,
  input: { historyId: string; field: string },
): Promise<Contact | Company> {
  assertCan(ctx.actor, "write");
  const entry = await getHistoryEntry(ctx, input.historyId);
  if (entry.object !== object || entry.recordId !== id) throw invalidField("historyId", "This history entry belongs to another record");
  if (entry.action !== "update" && entry.action !== "merge") throw invalidField("historyId", "Only field changes can be restored");
  const change = entry.changes.find((c) => c.field === input.field);
  if (!change) throw invalidField("field", `This entry did not change ${input.field}`);
  let from = change.from;
  const body: Record<string, unknown> = {};
  if (input.field.startsWith("custom.")) body.custom = { [input.field.slice(7)]: from ?? null };
  else {
    if (from === null && emptyIsBlank.has(input.field)) from = "";
    if (from === null && emptyIsList.has(input.field)) from = [];
    if (from && typeof from === "object" && !Array.isArray(from) && input.field !== "address" && input.field !== "socialProfiles") {
      throw invalidField("field", `${input.field} cannot be restored`);
    }
    body[input.field] = from;
  }
  const schema = object === "contact" ? UpdateContactBody : UpdateCompanyBody;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join(".") || input.field, message: i.message }));
    throw new AppError("validation_failed", `The earlier value of ${input.field} is not valid any more: ${errors.map((e) => e.message).join("; ")}`, errors);
  }
  return object === "contact"
    ? updateContact(ctx, id, parsed.data as z.infer<typeof UpdateContactBody>)
    : updateCompany(ctx, id, parsed.data as z.infer<typeof UpdateCompanyBody>);
}

/**
 * A deal's history keeps some fields as people read them (the stage and company by name, contacts as "Name (role)")
 * and others that follow from the stage (status, closed date): those cannot be put back from the history alone.
 */
const dealNotRestorable: Record<string, string> = {
  company: "The history keeps the company's name only: pick the company again on the deal",
  contacts: "Contacts and their roles are edited on the deal, not restored one change at a time",
  status: "The status follows the stage: restore the stage instead",
  closedAt: "The close date follows the stage: restore the stage instead",
  pipelineId: "Move the deal to the other pipeline from the deal itself",
  amountSource: "The amount's source follows the line items",
};

/** Puts one field of a deal back to its value before a recorded change, through the normal update (validated, recorded). */
export async function restoreDealField(ctx: Ctx, id: string, input: { historyId: string; field: string }): Promise<Deal> {
  assertCan(ctx.actor, "write");
  const entry = await getHistoryEntry(ctx, input.historyId);
  if (entry.object !== "deal" || entry.recordId !== id) throw invalidField("historyId", "This history entry belongs to another record");
  if (entry.action !== "update") throw invalidField("historyId", "Only field changes can be restored");
  const change = entry.changes.find((c) => c.field === input.field);
  if (!change) throw invalidField("field", `This entry did not change ${input.field}`);
  const refused = dealNotRestorable[input.field];
  if (refused) throw invalidField("field", refused);
  const body: Record<string, unknown> = {};
  if (input.field.startsWith("custom.")) body.custom = { [input.field.slice(7)]: change.from ?? null };
  else if (input.field === "stage") {
    // Stages are kept by name: the stage of that name in the deal's pipeline today.
    const deal = await getDeal(ctx, id);
    const pipeline = await getPipeline(ctx, deal.pipelineId);
    const stage = pipeline.stages.find((s) => s.name === change.from);
    if (!stage) throw invalidField("field", `The stage ${String(change.from)} is no longer in the ${pipeline.name} pipeline`);
    body.stageId = stage.id;
  } else if (input.field === "tags") body.tags = change.from ?? [];
  else body[input.field] = change.from ?? null;
  const parsed = UpdateDealBody.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join(".") || input.field, message: i.message }));
    throw new AppError("validation_failed", `The earlier value of ${input.field} is not valid any more: ${errors.map((e) => e.message).join("; ")}`, errors);
  }
  return updateDeal(ctx, id, parsed.data);
}
