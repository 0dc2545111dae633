import { CreateCompanyBody } from "../../contract/companies.js";
import { type Contact, leadStages } from "../../contract/contacts.js";
import type { ConvertLeadBody } from "../../contract/leads.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { assertCompanyExists, companyIdsBy, createCompany } from "../companies/service.js";
import { getContact, updateContact } from "../contacts/service.js";
import { createDeal } from "../deals/service.js";

export interface ConvertResult {
  contact: Contact;
  companyId: string | null;
  companyCreated: boolean;
  dealId: string | null;
}

/**
 * Qualifies a lead in one step and one transaction: lifecycle stage and lead status, the company
 * (an existing one by id, domain or name is preferred to creating one) and optionally a deal with the
 * contact on it. Each service writes its own history rows inside this transaction.
 */
export async function convertLead(ctx: Ctx, contactId: string, input: ConvertLeadBody): Promise<ConvertResult> {
  assertCan(ctx.actor, "write");
  const lead = await getContact(ctx, contactId);
  if (lead.deletedAt) throw new AppError("conflict", "This contact is in the trash; restore it first.");
  if (!(leadStages as readonly string[]).includes(lead.lifecycleStage)) {
    throw new AppError("conflict", `Only leads can be converted; this contact is already at the ${lead.lifecycleStage.replace(/_/g, " ")} stage.`);
  }
  let newCompany: { name: string; domain?: string | null } | null = null;
  if (input.company && "name" in input.company) {
    const parsed = CreateCompanyBody.safeParse({ name: input.company.name, ...(input.company.domain ? { domain: input.company.domain } : {}) });
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: `company.${i.path.join(".")}`, message: i.message }));
      throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
    }
    newCompany = { name: parsed.data.name, domain: parsed.data.domain ?? null };
  }
  return ctx.db.transaction(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    let companyId = lead.companyId;
    let companyCreated = false;
    if (input.company && "id" in input.company) {
      await assertCompanyExists(t, input.company.id, "company.id");
      companyId = input.company.id;
    } else if (newCompany) {
      const byDomain = newCompany.domain ? (await companyIdsBy(t, "domain", [newCompany.domain])).get(newCompany.domain) : undefined;
      const existing = byDomain ?? (await companyIdsBy(t, "name", [newCompany.name])).get(newCompany.name.toLowerCase());
      if (existing) companyId = existing;
      else {
        companyId = (await createCompany(t, { name: newCompany.name, ...(newCompany.domain ? { domain: newCompany.domain } : {}) })).id;
        companyCreated = true;
      }
    }
    const contact = await updateContact(t, contactId, {
      lifecycleStage: input.lifecycleStage ?? (input.deal ? "opportunity" : "sales_qualified"),
      leadStatus: "qualified",
      ...(companyId !== lead.companyId ? { companyId } : {}),
    });
    let dealId: string | null = null;
    if (input.deal) {
      try {
        const deal = await createDeal(t, {
          name: input.deal.name,
          ...(input.deal.amount ? { amount: input.deal.amount } : {}),
          ...(input.deal.currency ? { currency: input.deal.currency } : {}),
          ...(input.deal.pipelineId ? { pipelineId: input.deal.pipelineId } : {}),
          ...(input.deal.stageId ? { stageId: input.deal.stageId } : {}),
          ownerId: input.deal.ownerId ?? lead.ownerId ?? ctx.actor.userId,
          companyId,
          contacts: [{ contactId, role: "decision_maker" }],
          source: lead.leadSource ?? "lead_conversion",
        });
        dealId = deal.id;
      } catch (err) {
        // The deal's field errors are named under deal.* in this request.
        if (err instanceof AppError && err.errors) {
          const errors = err.errors.map((e) => ({ path: `deal.${e.path}`, message: e.message }));
          throw new AppError(err.code, errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
        }
        throw err;
      }
    }
    return { contact, companyId, companyCreated, dealId };
  });
}
