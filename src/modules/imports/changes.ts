/**
 * What a row would change on the record it matches ("update on duplicate"): only the fields the row gives, lists
 * merged into what the record has, and only values that differ. An empty patch means the row is unchanged: the
 * run reports it as such and writes nothing (no history row, no event, no update).
 */
import { isDeepStrictEqual } from "node:util";
import type { Company } from "../../contract/companies.js";
import type { Contact } from "../../contract/contacts.js";
import type { Deal } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { companiesByIds } from "../companies/service.js";
import { contactsForScoring } from "../contacts/service.js";
import { dealsByIds } from "../deals/service.js";
import type { Outcome } from "./outcome.js";
import type { CompanyInput, ContactInput, DealRowInput, Plan } from "./plan.js";

export interface Change {
  patch: Record<string, unknown>;
  /** What undo restores: the record's values before the patch. */
  previous: Record<string, unknown>;
}

const isNumeric = (v: unknown): v is string | number => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) || typeof v === "number";

/** Equal as stored: "1200" and "1200.00" are one amount; a missing value and null are one absence. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  return isDeepStrictEqual(a ?? null, b ?? null);
}

/** Custom values that differ from the record's, with the record's values for undo. */
function customChange(current: Record<string, unknown>, given: Record<string, unknown> | undefined, change: Change): void {
  const changed = Object.entries(given ?? {}).filter(([k, v]) => !sameValue(v, current[k]));
  if (changed.length === 0) return;
  change.patch.custom = Object.fromEntries(changed);
  change.previous.custom = Object.fromEntries(changed.map(([k]) => [k, current[k] ?? null]));
}

function set(change: Change, field: string, next: unknown, now: unknown): void {
  if (sameValue(next, now)) return;
  change.patch[field] = next;
  change.previous[field] = now ?? null;
}

/** Address and profile maps: the row's keys over the record's. */
const merged = (now: Record<string, string> | null, given: Record<string, string> | null | undefined) => ({ ...(now ?? {}), ...(given ?? {}) });

export function contactChange(current: Contact, input: ContactInput, given: ReadonlySet<string>, companyId?: string): Change {
  const change: Change = { patch: {}, previous: {} };
  const inp = input as Record<string, unknown>;
  const cur = current as unknown as Record<string, unknown>;
  for (const f of given) {
    if (f === "emails") {
      const have = new Set(current.emails.map((e) => e.email));
      const add = (input.emails ?? []).filter((e) => !have.has(e.email)).map((e) => ({ ...e, primary: false }));
      if (add.length) {
        change.patch.emails = [...current.emails, ...add];
        change.previous.emails = current.emails;
      }
    } else if (f === "phones") {
      // Phones are E.164 by now, so the same number written differently in the file is recognised as the one the record has.
      const have = new Set(current.phones.map((p) => p.phone));
      const add = (input.phones ?? []).filter((p) => !have.has(p.phone) && have.add(p.phone)).map((p) => ({ ...p, primary: false }));
      if (add.length) {
        change.patch.phones = [...current.phones, ...add];
        change.previous.phones = current.phones;
      }
    } else if (f === "tags") set(change, "tags", [...new Set([...current.tags, ...(input.tags ?? [])])], current.tags);
    else if (f === "address") set(change, "address", merged(current.address, input.address as Record<string, string> | undefined), current.address);
    else if (f === "socialProfiles") set(change, "socialProfiles", merged(current.socialProfiles, input.socialProfiles), current.socialProfiles);
    else if (f === "custom") customChange(current.custom, input.custom, change);
    else if (!f.startsWith("custom.")) set(change, f, inp[f], cur[f]);
  }
  if (input.ownerId) set(change, "ownerId", input.ownerId, current.ownerId);
  if (companyId) set(change, "companyId", companyId, current.companyId);
  return change;
}

export function companyChange(current: Company, input: CompanyInput, given: ReadonlySet<string>): Change {
  const change: Change = { patch: {}, previous: {} };
  const inp = input as Record<string, unknown>;
  const cur = current as unknown as Record<string, unknown>;
  for (const f of given) {
    if (f === "tags") set(change, "tags", [...new Set([...current.tags, ...(input.tags ?? [])])], current.tags);
    else if (f === "address") set(change, "address", merged(current.address, input.address as Record<string, string> | undefined), current.address);
    else if (f === "custom") customChange(current.custom, input.custom, change);
    else if (!f.startsWith("custom.")) set(change, f, inp[f], cur[f]);
  }
  if (input.ownerId) set(change, "ownerId", input.ownerId, current.ownerId);
  return change;
}

export function dealChange(current: Deal, o: Outcome): Change {
  const input = o.built?.input as DealRowInput;
  const given = o.built?.given ?? new Set<string>();
  const change: Change = { patch: {}, previous: {} };
  const cur = current as unknown as Record<string, unknown>;
  for (const f of ["name", "amount", "currency", "expectedCloseDate", "nextStep", "source"] as const) if (given.has(f)) set(change, f, input[f], cur[f]);
  if (given.has("tags")) set(change, "tags", [...new Set([...current.tags, ...input.tags])], current.tags);
  customChange(current.custom, input.custom, change);
  if (input.ownerId) set(change, "ownerId", input.ownerId, current.ownerId);
  if (o.companyId) set(change, "companyId", o.companyId, current.companyId);
  if (o.contactId && !current.contacts.some((c) => c.contactId === o.contactId)) {
    const links = current.contacts.map((c) => ({ contactId: c.contactId, role: c.role }));
    change.patch.contacts = [...links, { contactId: o.contactId, role: "other" }];
    change.previous.contacts = links;
  }
  // Only a row that names a stage moves the deal; the first open stage is for new deals.
  if (given.has("stage") && o.stage && o.stage.id !== current.stageId) {
    change.patch.stageId = o.stage.id;
    change.patch.pipelineId = o.stage.pipelineId;
    if (o.stage.type === "lost") change.patch.lostReason = input.lostReason;
    change.previous.stageId = current.stageId;
    change.previous.pipelineId = current.pipelineId;
    if (current.status === "lost") change.previous.lostReason = current.lostReason;
  } else if (given.has("lostReason") && current.status === "lost" && input.lostReason) set(change, "lostReason", input.lostReason, current.lostReason);
  return change;
}

/**
 * Rows about to update a record that already holds every value they give become "unchanged". The records are read
 * in one query per batch, so a re-import of an unchanged file costs about what planning a create costs.
 */
export async function markUnchanged(ctx: Ctx, plan: Plan, outs: Outcome[]): Promise<void> {
  // A company or a stage the run has yet to add is a change in any case.
  const updates = outs.filter((o) => o.action === "update" && o.targetId && !o.newCompany && !o.newStage);
  if (updates.length === 0 || plan.object === "activity") return;
  const ids = updates.map((o) => o.targetId as string);
  const current = new Map<string, Contact | Company | Deal>(
    (plan.object === "contact"
      ? await contactsForScoring(ctx, ids)
      : plan.object === "company"
        ? await companiesByIds(ctx, ids)
        : await dealsByIds(ctx, ids)
    ).map((r) => [r.id, r]),
  );
  for (const o of updates) {
    const record = current.get(o.targetId as string);
    if (!record || !o.built) continue;
    const change =
      plan.object === "contact"
        ? contactChange(record as Contact, o.built.input as ContactInput, o.built.given, o.companyId)
        : plan.object === "company"
          ? companyChange(record as Company, o.built.input as CompanyInput, o.built.given)
          : dealChange(record as Deal, o);
    if (Object.keys(change.patch).length === 0) o.action = "unchanged";
  }
}
