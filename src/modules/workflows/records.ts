import type { z } from "zod";
import { Activity } from "../../contract/activities.js";
import { Company, UpdateCompanyBody } from "../../contract/companies.js";
import { Contact, UpdateContactBody } from "../../contract/contacts.js";
import { Deal, UpdateDealBody } from "../../contract/deals.js";
import { Task, UpdateTaskBody } from "../../contract/tasks.js";
import { Ticket, UpdateTicketBody } from "../../contract/tickets.js";
import type { WorkflowObject } from "../../contract/workflows.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { getActivity, updateActivity } from "../activities/service.js";
import { getCompany, updateCompany } from "../companies/service.js";
import { getContact, updateContact } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { getDeal, updateDeal } from "../deals/service.js";
import { getTask, updateTask } from "../tasks/service.js";
import { getTicket, updateTicket } from "../tickets/service.js";

/** A record as workflows see it: the object's API shape (what merge fields and conditions read). */
export type WfRecord = Record<string, unknown> & { id: string };

const shapes: Record<WorkflowObject, z.ZodObject> = {
  contact: Contact,
  company: Company,
  deal: Deal,
  task: Task,
  activity: Activity as unknown as z.ZodObject,
  ticket: Ticket,
};
const writable: Record<WorkflowObject, z.ZodObject | null> = {
  contact: UpdateContactBody as unknown as z.ZodObject,
  company: UpdateCompanyBody as unknown as z.ZodObject,
  deal: UpdateDealBody as unknown as z.ZodObject,
  task: UpdateTaskBody as unknown as z.ZodObject,
  activity: null,
  ticket: UpdateTicketBody as unknown as z.ZodObject,
};

/** The fields of an object a condition or merge field may read, custom fields as custom.<key>. */
export async function readableFields(ctx: Ctx, object: WorkflowObject): Promise<Set<string>> {
  const shape = shapes[object];
  const names = new Set(Object.keys("shape" in shape ? shape.shape : {}));
  if (object === "contact" || object === "company" || object === "deal")
    for (const f of await listCustomFields({ ...ctx, actor: { ...ctx.actor, role: "admin" } }, object)) names.add(`custom.${f.key}`);
  return names;
}

/** The fields an update step may set. */
export async function writableFields(ctx: Ctx, object: WorkflowObject): Promise<Set<string>> {
  const shape = writable[object];
  const names = new Set(Object.keys(shape?.shape ?? {}));
  if (object === "contact" || object === "company" || object === "deal")
    for (const f of await listCustomFields({ ...ctx, actor: { ...ctx.actor, role: "admin" } }, object)) names.add(`custom.${f.key}`);
  names.delete("custom");
  return names;
}

/** The record, or null when it is gone (deleted, in the trash, or never in this workspace). */
export async function loadRecord(ctx: Ctx, object: string, id: string): Promise<WfRecord | null> {
  try {
    const r = await (object === "contact"
      ? getContact(ctx, id)
      : object === "company"
        ? getCompany(ctx, id)
        : object === "deal"
          ? getDeal(ctx, id)
          : object === "task"
            ? getTask(ctx, id)
            : object === "activity"
              ? getActivity(ctx, id)
              : object === "ticket"
                ? getTicket(ctx, id)
                : null);
    if (!r || (r as { deletedAt?: string | null }).deletedAt) return null;
    return r as unknown as WfRecord;
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return null;
    throw err;
  }
}

/** Writes fields through the object's own service (history, events, validation), custom fields merged. */
export async function updateRecord(ctx: Ctx, object: string, id: string, record: WfRecord, values: Record<string, unknown>): Promise<WfRecord> {
  const input: Record<string, unknown> = {};
  const custom: Record<string, unknown> = { ...((record.custom as Record<string, unknown> | undefined) ?? {}) };
  let customChanged = false;
  for (const [field, value] of Object.entries(values)) {
    if (field.startsWith("custom.")) {
      custom[field.slice(7)] = value;
      customChanged = true;
    } else input[field] = value;
  }
  if (customChanged) input.custom = custom;
  const schema = writable[object as WorkflowObject];
  if (!schema) throw new AppError("validation_failed", `A workflow cannot update ${object} records`);
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new AppError(
      "validation_failed",
      parsed.error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; "),
      parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  const data = parsed.data as never;
  const out = await (object === "contact"
    ? updateContact(ctx, id, data)
    : object === "company"
      ? updateCompany(ctx, id, data)
      : object === "deal"
        ? updateDeal(ctx, id, data)
        : object === "ticket"
          ? updateTicket(ctx, id, data)
          : updateTask(ctx, id, data));
  return out as unknown as WfRecord;
}

/** Who owns a record: contacts, companies and deals have an owner, tasks and tickets an assignee, activities an author. */
export function ownerOf(record: WfRecord | null): string | null {
  if (!record) return null;
  return (record.ownerId ?? record.assigneeId ?? record.authorId ?? null) as string | null;
}

export function labelOf(object: string, record: WfRecord | null): string | null {
  if (!record) return null;
  const r = record as Record<string, unknown>;
  if (object === "ticket" && typeof r.number === "number") return `#${r.number} ${String(r.subject ?? "")}`.trim();
  const name = r.fullName ?? r.name ?? r.title ?? r.subject ?? null;
  return typeof name === "string" && name.trim() ? name : `${object} ${record.id.slice(0, 8)}`;
}

export { updateActivity };
