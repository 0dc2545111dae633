import type { TaskRelatedObject } from "../../contract/tasks.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { inOrder } from "../../db/in-order.js";
import { assertAccess } from "../../db/visibility.js";
import { companyNames, getCompany } from "../companies/service.js";
import { contactNames, getContact } from "../contacts/service.js";
import { dealNames, dealPresence } from "../deals/lookups.js";

/** Throws a field error unless the record exists in this workspace and is not in the trash. */
export async function assertRelatedExists(ctx: Ctx, related: { object: TaskRelatedObject; id: string }, path = "related.id"): Promise<void> {
  const fail = (message: string) => new AppError("validation_failed", `${path}: ${message}`, [{ path, message }]);
  try {
    const record =
      related.object === "contact"
        ? await getContact(ctx, related.id)
        : related.object === "company"
          ? await getCompany(ctx, related.id)
          : await dealPresence(ctx, related.id);
    if (!record) throw fail(`No such ${related.object} in this workspace`);
    if (record.deletedAt) throw fail(`This ${related.object} is in the trash`);
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") throw fail(`No such ${related.object} in this workspace`);
    throw e;
  }
}

/**
 * Refuses (404, as on its page) a record the actor may not read: its tasks panel is part of the record. A deal is
 * looked up without the deals service, which creates playbook tasks and so imports this module.
 */
export async function assertRelatedReadable(ctx: Ctx, related: { object: TaskRelatedObject; id: string }): Promise<void> {
  if (related.object === "contact") await getContact(ctx, related.id);
  else if (related.object === "company") await getCompany(ctx, related.id);
  else {
    const deal = await dealPresence(ctx, related.id);
    if (!deal) throw notFound("Deal");
    await assertAccess(ctx, "deal", "read", deal);
  }
}

/** Display names of linked records, one query per object type whatever the number of rows. */
export async function relatedNames(ctx: Ctx, refs: { object: TaskRelatedObject; id: string }[]): Promise<Map<string, string>> {
  const ids = (o: TaskRelatedObject) => refs.filter((r) => r.object === o).map((r) => r.id);
  const [contacts, companies, deals] = await inOrder(
    () => contactNames(ctx, ids("contact")),
    () => companyNames(ctx, ids("company")),
    () => dealNames(ctx, ids("deal")),
  );
  return new Map([...contacts, ...companies, ...deals]);
}
