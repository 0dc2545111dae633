import { createHash } from "node:crypto";
import { and, count, desc, eq, inArray, lt, ne, or } from "drizzle-orm";
import type { z } from "zod";
import type { TimelineEntry } from "../../contract/activities.js";
import { Email } from "../../contract/auth.js";
import type { CreateContactBody, UpdateContactBody } from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import { HONEYPOT_FIELD, REFERRER_FIELD } from "../../contract/form-html.js";
import { type FormInput, type FormSubmission, type LeadForm, type SubmittedValue, type UpdateFormBody, utmKeys } from "../../contract/leads.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { companyIdsBy } from "../companies/service.js";
import { contactIdByEmail, createContact, getContact, updateContact } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { publishEvents, recordChanges } from "../history/service.js";
import { assertUsersExist } from "../users/service.js";
import { rescoreContacts } from "./scoring.js";
import { formSubmissions, leadForms } from "./table.js";

type Row = typeof leadForms.$inferSelect;
type SubRow = typeof formSubmissions.$inferSelect;

const toForm = (r: Row, counts: { submissions: number; spam: number }): LeadForm => ({
  id: r.id,
  name: r.name,
  fields: r.fields,
  submitLabel: r.submitLabel,
  thankYouMessage: r.thankYouMessage,
  redirectUrl: r.redirectUrl,
  ownerId: r.ownerId,
  leadSource: r.leadSource,
  tags: r.tags,
  enabled: r.enabled,
  submissionCount: counts.submissions,
  spamCount: counts.spam,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/**
 * Every submitted value with the label the visitor saw, in the form's order; values of fields the form
 * has since dropped follow under their key, so nothing typed is hidden.
 */
export function submittedValues(fields: readonly { key: string; label: string }[], data: Record<string, string>): SubmittedValue[] {
  const out: SubmittedValue[] = [];
  for (const f of fields) if (data[f.key]) out.push({ key: f.key, label: f.label, value: data[f.key] as string });
  for (const [key, value] of Object.entries(data)) if (value && !fields.some((f) => f.key === key)) out.push({ key, label: key, value });
  return out;
}

const toSubmission = (r: SubRow, fields: Row["fields"]): FormSubmission => ({
  id: r.id,
  formId: r.formId,
  contactId: r.contactId,
  outcome: r.outcome,
  data: r.data,
  values: submittedValues(fields, r.data),
  utm: r.utm,
  referrer: r.referrer,
  createdAt: r.createdAt.toISOString(),
});

type SubmissionEntry = Extract<TimelineEntry, { kind: "submission" }>;

/** A contact's form submissions for its timeline, newest first, before an optional (at, id) position. */
export async function contactSubmissions(
  ctx: Ctx,
  contactId: string,
  limit: number,
  before?: { at: Date; id: string },
): Promise<(SubmissionEntry & { sortAt: Date; sortId: string })[]> {
  const s = formSubmissions;
  const rows = await ctx.db
    .select()
    .from(s)
    .where(
      and(
        eq(s.workspaceId, ctx.workspaceId),
        eq(s.contactId, contactId),
        ne(s.outcome, "spam"),
        before ? or(lt(s.createdAt, before.at), and(eq(s.createdAt, before.at), lt(s.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(s.createdAt), desc(s.id))
    .limit(limit);
  if (rows.length === 0) return [];
  const formIds = [...new Set(rows.map((r) => r.formId))];
  const forms = await ctx.db
    .select({ id: leadForms.id, name: leadForms.name, fields: leadForms.fields })
    .from(leadForms)
    .where(and(eq(leadForms.workspaceId, ctx.workspaceId), inArray(leadForms.id, formIds)));
  const byId = new Map(forms.map((f) => [f.id, f]));
  return rows.map((r) => ({
    kind: "submission" as const,
    at: r.createdAt.toISOString(),
    id: r.id,
    formId: r.formId,
    formName: byId.get(r.formId)?.name ?? null,
    outcome: r.outcome === "created" ? ("created" as const) : ("updated" as const),
    values: submittedValues(byId.get(r.formId)?.fields ?? [], r.data),
    utm: r.utm,
    referrer: r.referrer,
    sortAt: r.createdAt,
    sortId: r.id,
  }));
}

const scoped = (ctx: Ctx, id: string) => and(eq(leadForms.workspaceId, ctx.workspaceId), eq(leadForms.id, id));

async function countsOf(ctx: Ctx, ids: string[]): Promise<Map<string, { submissions: number; spam: number }>> {
  const map = new Map(ids.map((id) => [id, { submissions: 0, spam: 0 }]));
  if (ids.length === 0) return map;
  const rows = await ctx.db
    .select({ formId: formSubmissions.formId, outcome: formSubmissions.outcome, n: count() })
    .from(formSubmissions)
    .where(and(eq(formSubmissions.workspaceId, ctx.workspaceId), inArray(formSubmissions.formId, ids)))
    .groupBy(formSubmissions.formId, formSubmissions.outcome);
  for (const r of rows) {
    const c = map.get(r.formId);
    if (!c) continue;
    if (r.outcome === "spam") c.spam += Number(r.n);
    else c.submissions += Number(r.n);
  }
  return map;
}

async function findForm(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db.select().from(leadForms).where(scoped(ctx, id));
  if (!row) throw notFound("Form");
  return row;
}

export async function listForms(ctx: Ctx): Promise<LeadForm[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db.select().from(leadForms).where(eq(leadForms.workspaceId, ctx.workspaceId)).orderBy(desc(leadForms.createdAt)).limit(500);
  const counts = await countsOf(
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toForm(r, counts.get(r.id) ?? { submissions: 0, spam: 0 }));
}

export async function getForm(ctx: Ctx, id: string): Promise<LeadForm> {
  assertCan(ctx.actor, "read");
  const row = await findForm(ctx, id);
  return toForm(row, (await countsOf(ctx, [id])).get(id) ?? { submissions: 0, spam: 0 });
}

async function checkForm(ctx: Ctx, input: z.infer<typeof UpdateFormBody>): Promise<void> {
  const errors: FieldError[] = [];
  if (input.fields) {
    const defs = await listCustomFields(ctx, "contact");
    const seen = new Set<string>();
    input.fields.forEach((f, i) => {
      if (seen.has(f.key)) errors.push({ path: `fields.${i}.key`, message: `${f.key} is on the form twice` });
      seen.add(f.key);
      if (f.key.startsWith("custom.") && !defs.some((d) => d.key === f.key.slice(7)))
        errors.push({ path: `fields.${i}.key`, message: `No contact custom field "${f.key.slice(7)}"` });
    });
  }
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  await assertUsersExist(ctx, [input.ownerId]);
}

const withRequired = (fields: z.infer<typeof FormInput>["fields"]) =>
  fields.map((f) => ({ key: f.key, label: f.label, required: f.key === "email" ? true : (f.required ?? false) }));

export async function createForm(ctx: Ctx, input: z.infer<typeof FormInput>): Promise<LeadForm> {
  assertCan(ctx.actor, "admin");
  await checkForm(ctx, input);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(leadForms)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: input.name,
        fields: withRequired(input.fields),
        submitLabel: input.submitLabel ?? "Submit",
        thankYouMessage: input.thankYouMessage ?? "Thank you! We will be in touch soon.",
        redirectUrl: input.redirectUrl ?? null,
        ownerId: input.ownerId ?? null,
        leadSource: input.leadSource ?? "web_form",
        tags: input.tags ?? [],
        enabled: input.enabled ?? true,
      })
      .returning();
    await recordChanges(tx, ctx, [{ object: "form", recordId: (r as Row).id, action: "create", changes: [], payload: r as Row }]);
    return r as Row;
  });
  return toForm(row, { submissions: 0, spam: 0 });
}

export async function updateForm(ctx: Ctx, id: string, input: z.infer<typeof UpdateFormBody>): Promise<LeadForm> {
  assertCan(ctx.actor, "admin");
  const current = await findForm(ctx, id);
  await checkForm(ctx, input);
  const { fields, ...rest } = input;
  const set: Partial<Row> = { ...rest, ...(fields ? { fields: withRequired(fields) } : {}) };
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(leadForms)
      .set({ ...set, updatedAt: new Date() })
      .where(scoped(ctx, id))
      .returning();
    const changes = (Object.keys(set) as (keyof typeof set & keyof Row)[])
      .filter((k) => JSON.stringify(set[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: set[k] }));
    await recordChanges(tx, ctx, [{ object: "form", recordId: id, action: "update", changes, payload: r as Row }]);
  });
  return getForm(ctx, id);
}

/** Deleting a form keeps its submissions' contacts; the submissions go with the form. */
export async function deleteForm(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await findForm(ctx, id);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(formSubmissions).where(and(eq(formSubmissions.workspaceId, ctx.workspaceId), eq(formSubmissions.formId, id)));
    const [r] = await tx.delete(leadForms).where(scoped(ctx, id)).returning();
    await recordChanges(tx, ctx, [{ object: "form", recordId: id, action: "delete", changes: [], payload: r }]);
  });
}

export async function listSubmissions(
  ctx: Ctx,
  formId: string,
  query: { limit: number; cursor?: string; spam?: "true" | "false" },
): Promise<{ data: FormSubmission[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const form = await findForm(ctx, formId);
  if (query.cursor && !/^[0-9a-f-]{36}$/i.test(query.cursor)) {
    throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
  }
  // UUIDv7 ids are time-ordered: newest first by id, on the (workspace_id, form_id, id) index.
  const rows = await ctx.db
    .select()
    .from(formSubmissions)
    .where(
      and(
        eq(formSubmissions.workspaceId, ctx.workspaceId),
        eq(formSubmissions.formId, formId),
        query.spam === "true" ? eq(formSubmissions.outcome, "spam") : query.spam === "false" ? ne(formSubmissions.outcome, "spam") : undefined,
        query.cursor ? lt(formSubmissions.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(formSubmissions.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { data: page.map((r) => toSubmission(r, form.fields)), nextCursor: rows.length > query.limit ? (page[page.length - 1]?.id ?? null) : null };
}

// ---- public side ----

export interface PublicForm {
  workspaceId: string;
  form: Row;
  defs: CustomField[];
}

/**
 * A form by id alone, for the public endpoints: the unguessable UUID is the capability (as a shared
 * link is); a disabled form answers like a missing one.
 */
export async function publicForm(db: Db, formId: string): Promise<PublicForm> {
  const [form] = await db.select().from(leadForms).where(eq(leadForms.id, formId)).limit(1);
  if (!form?.enabled) throw new AppError("not_found", "This form does not exist or no longer takes submissions.");
  const defs = await listCustomFields({ db, workspaceId: form.workspaceId, actor: systemActor }, "contact");
  return { workspaceId: form.workspaceId, form, defs };
}

export type RawSubmission = Record<string, string | string[] | undefined>;

export interface SubmissionMeta {
  ip: string;
  referer: string | undefined;
}

export interface SubmissionOutcome {
  outcome: "created" | "updated" | "spam";
  submissionId: string;
  contactId: string | null;
  message: string;
  redirectUrl: string | null;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(", ") : (v ?? "")).trim();

function customValue(def: CustomField, raw: string | string[] | undefined): unknown {
  const text = one(raw);
  if (text === "") return undefined;
  switch (def.type) {
    case "number":
    case "currency":
      return Number.isFinite(Number(text)) ? Number(text) : text;
    case "boolean":
      return ["true", "on", "yes", "1"].includes(text.toLowerCase());
    case "multi_select":
      return Array.isArray(raw) ? raw.map((v) => v.trim()).filter(Boolean) : text.split(",").map((v) => v.trim());
    default:
      return text;
  }
}

/** UTM parameters from the hidden fields, else from the query string of the page that posted. */
function utmOf(body: RawSubmission, referer: string | undefined): Record<string, string> {
  let fromReferer: URLSearchParams | null = null;
  try {
    fromReferer = referer ? new URL(referer).searchParams : null;
  } catch {
    fromReferer = null;
  }
  const out: Record<string, string> = {};
  for (const k of utmKeys) {
    const v = one(body[k]) || fromReferer?.get(k)?.trim() || "";
    if (v) out[k] = v.slice(0, 300);
  }
  return out;
}

/**
 * One post to a form: a filled honeypot is stored as spam and answered like a success (bots learn
 * nothing); otherwise the contact matched by email (any of its emails, case-insensitive) is updated,
 * or a new one created with the form's lead source, assignment and scoring — all in one transaction.
 */
/** A referrer is shown as a link: only an http(s) address is kept, never javascript:, data: or free text. */
function webAddress(value: string | undefined): string | null {
  const text = value?.trim();
  if (!text || text.length > 1000) return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text : null;
  } catch {
    return null;
  }
}

export async function submitForm(db: Db, formId: string, body: RawSubmission, meta: SubmissionMeta): Promise<SubmissionOutcome> {
  const { workspaceId, form, defs } = await publicForm(db, formId);
  const ipHash = createHash("sha256").update(`${workspaceId}:${meta.ip}`).digest("hex").slice(0, 32);
  const referrer = webAddress(one(body[REFERRER_FIELD]) || meta.referer);
  const utm = utmOf(body, one(body[REFERRER_FIELD]) || meta.referer);
  const data: Record<string, string> = {};
  for (const f of form.fields) {
    const v = one(body[f.key]);
    if (v) data[f.key] = v.slice(0, f.key === "message" ? 10_000 : 1000);
  }
  const done = { message: form.thankYouMessage, redirectUrl: form.redirectUrl };
  if (one(body[HONEYPOT_FIELD])) {
    const id = newId();
    await db.insert(formSubmissions).values({ workspaceId, id, formId, outcome: "spam", data, utm, referrer, ipHash, createdAt: new Date() });
    return { outcome: "spam", submissionId: id, contactId: null, ...done };
  }

  const errors: FieldError[] = [];
  for (const f of form.fields) if (f.required && !data[f.key]) errors.push({ path: f.key, message: `${f.label} is required` });
  const email = Email.safeParse(data.email ?? "");
  if (data.email && !email.success) errors.push({ path: "email", message: "Enter a valid email address" });
  const custom: Record<string, unknown> = {};
  for (const f of form.fields) {
    if (!f.key.startsWith("custom.")) continue;
    const def = defs.find((d) => d.key === f.key.slice(7));
    const v = def ? customValue(def, body[f.key]) : undefined;
    if (def && v !== undefined) custom[def.key] = v;
  }
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => e.message).join("; "), errors);
  const address = email.success ? email.data : "";

  const ctx: Ctx = { db, workspaceId, actor: systemActor };
  return db.transaction(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const companyName = data.companyName;
    const companyId = companyName ? ((await companyIdsBy(t, "name", [companyName])).get(companyName.toLowerCase()) ?? null) : null;
    const submittedAt = new Date().toISOString();
    const source = { form: { id: form.id, name: form.name }, utm, referrer, submittedAt, ...(companyName && !companyId ? { companyName } : {}) };
    const fields: z.infer<typeof UpdateContactBody> = {
      ...(data.firstName ? { firstName: data.firstName.slice(0, 100) } : {}),
      ...(data.lastName ? { lastName: data.lastName.slice(0, 100) } : {}),
      ...(data.jobTitle ? { jobTitle: data.jobTitle.slice(0, 150) } : {}),
      ...(data.phone ? { phones: [{ phone: data.phone.slice(0, 40) }] } : {}),
      ...(companyId ? { companyId } : {}),
      ...(Object.keys(custom).length ? { custom } : {}),
    };
    const existingId = await contactIdByEmail(t, address);
    let contactId: string;
    let outcome: "created" | "updated";
    if (existingId) {
      const current = await getContact(t, existingId);
      // A new phone is added beside the known ones rather than replacing them.
      if (fields.phones && current.phones.length) {
        const known = current.phones.map((p) => ({ phone: p.phone, primary: p.primary, ...(p.label ? { label: p.label } : {}) }));
        fields.phones = [
          ...known,
          ...fields.phones.filter((p) => !known.some((k) => k.phone.replace(/\D/g, "").endsWith(p.phone.replace(/\D/g, "").slice(-8)))),
        ];
      }
      const tags = [...new Set([...current.tags, ...form.tags])];
      await updateContact(
        t,
        existingId,
        { ...fields, ...(tags.length !== current.tags.length ? { tags } : {}), ...(current.leadSource ? {} : { leadSource: form.leadSource }) },
        { sourceDetails: { lastSubmission: source } },
      );
      contactId = existingId;
      outcome = "updated";
    } else {
      const input: z.infer<typeof CreateContactBody> = {
        ...fields,
        emails: [{ email: address }],
        leadSource: form.leadSource,
        lifecycleStage: "lead",
        ...(form.tags.length ? { tags: form.tags } : {}),
        ...(form.ownerId ? { ownerId: form.ownerId } : {}),
      };
      contactId = (await createContact(t, input, { sourceDetails: source })).id;
      outcome = "created";
    }
    const id = newId();
    // Millisecond precision, as JavaScript dates carry, keeps the contact's timeline cursor exact.
    await tx.insert(formSubmissions).values({ workspaceId, id, formId, contactId, outcome, data, utm, referrer, ipHash, createdAt: new Date(submittedAt) });
    await publishEvents(tx, t, [
      { type: "form.submitted", recordId: id, record: { id, formId, formName: form.name, contactId, outcome, data, utm, referrer, submittedAt } },
    ]);
    // The submission itself is an engagement event for scoring.
    await rescoreContacts(t, [contactId]);
    return { outcome, submissionId: id, contactId, ...done };
  });
}
