import { and, count, desc, eq, lt, or, sql } from "drizzle-orm";
import type { z } from "zod";
import { UpdateCompanyBody } from "../../contract/companies.js";
import { UpdateContactBody } from "../../contract/contacts.js";
import type {
  DuplicateCandidate,
  DuplicateCandidateQuery,
  DuplicateCheckQuery,
  DuplicateMatch,
  MergeBody,
  MergePreview,
  RuleObject,
} from "../../contract/data-quality.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { normalisePhone } from "../../core/phones.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { type Reference, referencesTo, repoint } from "../../db/references.js";
import { reassignActivities } from "../activities/reassign.js";
import { companyDuplicatePairsSql, companySummaries, findCompanyDuplicates, reparentChildCompanies } from "../companies/dedupe.js";
import { bulkCompanies, companyNames, getCompany, updateCompany } from "../companies/service.js";
import { contactDuplicatePairsSql, contactSummaries, findContactDuplicates, moveContactsToCompany, NAME_SIMILARITY } from "../contacts/dedupe.js";
import { bulkContacts, getContact, updateContact } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { reassignDeals } from "../deals/reassign.js";
import { reassignHistory } from "../history/reassign.js";
import { recordChanges } from "../history/service.js";
import { reassignFormSubmissions } from "../leads/reassign.js";
import { moveEnrolments } from "../sequences/service.js";
import { reassignTasks } from "../tasks/service.js";
import { userNames } from "../users/service.js";
import { workspaceSettings } from "../workspaces/service.js";
import { duplicateCandidates, recordMerges } from "./table.js";

/** Independent signals combine like probabilities: two 0.8 reasons make 0.96, never more than 0.99. */
const combine = (scores: number[]) => Math.min(0.99, 1 - scores.reduce((p, s) => p * (1 - Math.min(s, 0.99)), 1));
const round = (n: number) => Math.round(n * 100) / 100;

function cleanDomain(d: string | undefined): string | null {
  if (!d) return null;
  const v = d
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/^www\./, "")
    .replace(/\/.*$/, "");
  return /^([a-z0-9-]+\.)+[a-z]{2,}$/.test(v) ? v : null;
}

// 1. Live check while a record is being typed

export async function checkDuplicates(ctx: Ctx, q: DuplicateCheckQuery): Promise<DuplicateMatch[]> {
  assertCan(ctx.actor, "read");
  if (q.object === "contact") {
    const phone = q.phone ? normalisePhone(q.phone, (await workspaceSettings(ctx)).defaultCountry) : null;
    const name = [q.firstName, q.lastName].filter(Boolean).join(" ");
    const hits = await findContactDuplicates(ctx, { excludeId: q.excludeId, email: q.email, phone, name, companyId: q.companyId });
    const companies = await companyNames(
      ctx,
      hits.map((h) => h.companyId).filter((id): id is string => Boolean(id)),
    );
    return hits
      .map((h) => {
        const reasons: [string, number][] = [];
        if (h.sameEmail) reasons.push(["same email", 0.95]);
        if (h.samePhone) reasons.push(["same phone", 0.8]);
        if (q.companyId && h.companyId === q.companyId && h.nameSimilarity >= NAME_SIMILARITY)
          reasons.push(["similar name at the same company", 0.3 + 0.6 * h.nameSimilarity]);
        else if (h.nameSimilarity >= 0.7) reasons.push([h.nameSimilarity === 1 ? "same name" : "similar name", 0.2 + 0.3 * h.nameSimilarity]);
        const company = h.companyId ? (companies.get(h.companyId) ?? null) : null;
        return {
          id: h.id,
          object: "contact" as const,
          label: `${h.firstName} ${h.lastName}`.trim() || h.primaryEmail || "(no name)",
          detail: [h.primaryEmail, company].filter(Boolean).join(" · ") || null,
          score: round(combine(reasons.map((r) => r[1]))),
          reasons: reasons.map((r) => r[0]),
        };
      })
      .filter((m) => m.reasons.length > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
  }
  const hits = await findCompanyDuplicates(ctx, { excludeId: q.excludeId, name: q.name, domain: cleanDomain(q.domain) });
  return hits
    .map((h) => {
      const reasons: [string, number][] = [];
      if (h.sameDomain) reasons.push(["same domain", 0.9]);
      if (h.nameSimilarity >= 0.6) reasons.push([h.nameSimilarity === 1 ? "same name" : "similar name", 0.3 + 0.6 * h.nameSimilarity]);
      return {
        id: h.id,
        object: "company" as const,
        label: h.name,
        detail: h.domain,
        score: round(combine(reasons.map((r) => r[1]))),
        reasons: reasons.map((r) => r[0]),
      };
    })
    .filter((m) => m.reasons.length > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
}

// 2. Workspace scan → review queue

/**
 * One INSERT … SELECT per object: candidate pairs from the owning module's blocked query, reasons and
 * scores folded per pair, upserted on (workspace, object, a, b). Re-running refreshes open rows and never
 * duplicates them; dismissed and merged pairs keep their status; open pairs no longer found are dropped.
 * Each object commits on its own, so an interrupted scan is simply run again.
 */
async function scanObject(ctx: Ctx, object: RuleObject): Promise<{ pairs: number; newPairs: number }> {
  const pairs = object === "contact" ? contactDuplicatePairsSql(ctx) : companyDuplicatePairsSql(ctx);
  return ctx.db.transaction(async (tx) => {
    const started = new Date();
    const [result] = await queryRows<{ pairs: number; new_pairs: number }>(
      tx,
      sql`with found as (${pairs}),
        per_reason as (select a, b, reason, max(score) as score from found group by a, b, reason),
        per_pair as (
          select a, b, least(0.99, 1 - exp(sum(ln(1 - least(score, 0.99))))) as score,
                 jsonb_agg(reason order by score desc, reason) as reasons
          from per_reason group by a, b
        ),
        upserted as (
          insert into duplicate_candidates (workspace_id, id, object, record_a, record_b, score, reasons, status, created_at, updated_at)
          select ${ctx.workspaceId}, gen_random_uuid(), ${object}, a, b, round(score::numeric, 2)::float8, reasons, 'open', ${started}, ${started}
          from per_pair
          on conflict (workspace_id, object, record_a, record_b) do update
            set score = excluded.score, reasons = excluded.reasons, updated_at = excluded.updated_at
            where duplicate_candidates.status = 'open'
          returning (xmax = 0) as inserted
        )
        select count(*)::int as pairs, (count(*) filter (where inserted))::int as new_pairs from upserted`,
    );
    await tx
      .delete(duplicateCandidates)
      .where(
        and(
          eq(duplicateCandidates.workspaceId, ctx.workspaceId),
          eq(duplicateCandidates.object, object),
          eq(duplicateCandidates.status, "open"),
          lt(duplicateCandidates.updatedAt, started),
        ),
      );
    return { pairs: result?.pairs ?? 0, newPairs: result?.new_pairs ?? 0 };
  });
}

export async function scanDuplicates(ctx: Ctx, object?: RuleObject) {
  assertCan(ctx.actor, "write");
  const t0 = performance.now();
  const phases = [];
  for (const o of object ? [object] : (["contact", "company"] as const)) {
    const t = performance.now();
    const r = await scanObject(ctx, o);
    phases.push({ object: o, ...r, ms: Math.round(performance.now() - t) });
  }
  return { phases, open: await openCount(ctx), ms: Math.round(performance.now() - t0) };
}

async function openCount(ctx: Ctx, object?: RuleObject): Promise<number> {
  const [row] = await ctx.db
    .select({ n: count() })
    .from(duplicateCandidates)
    .where(
      and(
        eq(duplicateCandidates.workspaceId, ctx.workspaceId),
        eq(duplicateCandidates.status, "open"),
        object ? eq(duplicateCandidates.object, object) : undefined,
      ),
    );
  return Number(row?.n ?? 0);
}

const summaries = (ctx: Ctx, object: RuleObject, ids: string[]) => (object === "contact" ? contactSummaries(ctx, ids) : companySummaries(ctx, ids));

export async function listCandidates(
  ctx: Ctx,
  q: z.infer<typeof DuplicateCandidateQuery>,
): Promise<{ data: DuplicateCandidate[]; nextCursor: string | null; open: number }> {
  assertCan(ctx.actor, "read");
  const d = duplicateCandidates;
  let after: { score: number; id: string } | undefined;
  if (q.cursor) {
    const [score, id] = q.cursor.split("_");
    if (!score || !id || Number.isNaN(Number(score)) || !/^[0-9a-f-]{36}$/i.test(id)) throw invalidField("cursor", "Invalid cursor");
    after = { score: Number(score), id };
  }
  const rows = await ctx.db
    .select()
    .from(d)
    .where(
      and(
        eq(d.workspaceId, ctx.workspaceId),
        eq(d.status, q.status),
        q.object ? eq(d.object, q.object) : undefined,
        after ? or(lt(d.score, after.score), and(eq(d.score, after.score), lt(d.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(d.score), desc(d.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const byObject = new Map<RuleObject, Map<string, { id: string; label: string; detail: string | null; deletedAt: string | null }>>();
  for (const object of ["contact", "company"] as const) {
    const ids = page.filter((r) => r.object === object).flatMap((r) => [r.recordA, r.recordB]);
    byObject.set(object, await summaries(ctx, object, ids));
  }
  const missing = (id: string) => ({ id, label: "(deleted record)", detail: null, deletedAt: null });
  const last = page[page.length - 1];
  return {
    data: page.map((r) => ({
      id: r.id,
      object: r.object,
      score: r.score,
      reasons: r.reasons,
      status: r.status,
      a: byObject.get(r.object)?.get(r.recordA) ?? missing(r.recordA),
      b: byObject.get(r.object)?.get(r.recordB) ?? missing(r.recordB),
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    })),
    nextCursor: rows.length > q.limit && last ? `${last.score}_${last.id}` : null,
    open: await openCount(ctx, q.object),
  };
}

export async function dismissCandidate(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const rows = await ctx.db
    .update(duplicateCandidates)
    .set({ status: "dismissed", resolvedBy: ctx.actor.userId, resolvedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(duplicateCandidates.workspaceId, ctx.workspaceId), eq(duplicateCandidates.id, id)))
    .returning({ id: duplicateCandidates.id });
  if (rows.length === 0) throw notFound("Duplicate candidate");
}

// 3. Merge

interface FieldSpec {
  field: string;
  label: string;
  list?: "emails" | "phones" | "tags";
}

const contactFieldSpecs: FieldSpec[] = [
  { field: "firstName", label: "First name" },
  { field: "lastName", label: "Last name" },
  { field: "emails", label: "Emails", list: "emails" },
  { field: "phones", label: "Phones", list: "phones" },
  { field: "jobTitle", label: "Job title" },
  { field: "companyId", label: "Company" },
  { field: "ownerId", label: "Owner" },
  { field: "lifecycleStage", label: "Lifecycle stage" },
  { field: "leadSource", label: "Lead source" },
  { field: "tags", label: "Tags", list: "tags" },
  { field: "address", label: "Address" },
  { field: "socialProfiles", label: "Social profiles" },
  { field: "doNotContact", label: "Do not contact" },
  { field: "emailConsent", label: "Email consent" },
];
const companyFieldSpecs: FieldSpec[] = [
  { field: "name", label: "Name" },
  { field: "domain", label: "Domain" },
  { field: "industry", label: "Industry" },
  { field: "employees", label: "Employees" },
  { field: "annualRevenue", label: "Annual revenue" },
  { field: "currency", label: "Currency" },
  { field: "phone", label: "Phone" },
  { field: "address", label: "Address" },
  { field: "parentId", label: "Parent company" },
  { field: "ownerId", label: "Owner" },
  { field: "tags", label: "Tags", list: "tags" },
  { field: "description", label: "Description" },
];

type AnyRecord = Record<string, unknown> & { id: string; custom: Record<string, unknown>; deletedAt: string | null };

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

async function specsFor(ctx: Ctx, object: RuleObject, a: AnyRecord, b: AnyRecord): Promise<FieldSpec[]> {
  const defs = await listCustomFields(ctx, object);
  const keys = new Set([...Object.keys(a.custom), ...Object.keys(b.custom)]);
  const custom = [...keys].map((k) => ({ field: `custom.${k}`, label: defs.find((d) => d.key === k)?.label ?? k }));
  return [...(object === "contact" ? contactFieldSpecs : companyFieldSpecs), ...custom];
}

const fieldValue = (r: AnyRecord, field: string) => (field.startsWith("custom.") ? r.custom[field.slice(7)] : r[field]);

async function load(ctx: Ctx, object: RuleObject, id: string): Promise<AnyRecord> {
  return (object === "contact" ? await getContact(ctx, id) : await getCompany(ctx, id)) as unknown as AnyRecord;
}

const summaryOf = (object: RuleObject, r: AnyRecord) =>
  object === "contact"
    ? { id: r.id, label: String(r.fullName), detail: (r.primaryEmail as string | null) ?? null, deletedAt: r.deletedAt }
    : { id: r.id, label: String(r.name), detail: (r.domain as string | null) ?? null, deletedAt: r.deletedAt };

export async function mergePreview(ctx: Ctx, object: RuleObject, aId: string, bId: string): Promise<z.infer<typeof MergePreview>> {
  assertCan(ctx.actor, "read");
  const a = await load(ctx, object, aId);
  const b = await load(ctx, object, bId);
  const specs = await specsFor(ctx, object, a, b);
  const ids = (field: string) => [fieldValue(a, field), fieldValue(b, field)].filter((v): v is string => typeof v === "string");
  const [companies, users] = await Promise.all([companyNames(ctx, [...ids("companyId"), ...ids("parentId")]), userNames(ctx, ids("ownerId"))]);
  return {
    object,
    a: summaryOf(object, a),
    b: summaryOf(object, b),
    refs: Object.fromEntries([...companies, ...users]),
    fields: specs.map((s) => ({
      field: s.field,
      label: s.label,
      a: fieldValue(a, s.field) ?? null,
      b: fieldValue(b, s.field) ?? null,
      differs: !same(fieldValue(a, s.field), fieldValue(b, s.field)),
      list: Boolean(s.list),
    })),
  };
}

/** The union of two lists, the survivor's items first and its primary kept. */
function union(kind: "emails" | "phones" | "tags", s: unknown, l: unknown): unknown {
  if (kind === "tags") return [...new Set([...((s as string[]) ?? []), ...((l as string[]) ?? [])])];
  const key = kind === "emails" ? "email" : "phone";
  const out: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  const survivorHasPrimary = ((s as Record<string, unknown>[]) ?? []).length > 0;
  for (const [items, fromSurvivor] of [
    [s, true],
    [l, false],
  ] as const) {
    for (const item of (items as Record<string, unknown>[]) ?? []) {
      const k = String(item[key]);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ ...item, primary: fromSurvivor || !survivorHasPrimary ? item.primary : false });
    }
  }
  return out;
}

/** The update that gives the survivor the chosen values; defaults: lists united, else the survivor's unless it is blank. */
function mergedInput(specs: FieldSpec[], s: AnyRecord, l: AnyRecord, choices: Record<string, "survivor" | "loser" | "union">) {
  const known = new Set(specs.map((x) => x.field));
  for (const field of Object.keys(choices)) if (!known.has(field)) throw invalidField(`choices.${field}`, "Not a field of these records");
  const input: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  const chosen: Record<string, "survivor" | "loser" | "union"> = {};
  for (const spec of specs) {
    const sv = fieldValue(s, spec.field);
    const lv = fieldValue(l, spec.field);
    let choice = choices[spec.field] ?? (spec.list ? "union" : isEmpty(sv) && !isEmpty(lv) ? "loser" : "survivor");
    if (choice === "union" && !spec.list) throw invalidField(`choices.${spec.field}`, "Only emails, phones and tags can be united");
    if (same(sv, lv)) choice = "survivor";
    chosen[spec.field] = choice;
    if (choice === "survivor") continue;
    const value = choice === "union" && spec.list ? union(spec.list, sv, lv) : lv;
    if (spec.field.startsWith("custom.")) custom[spec.field.slice(7)] = value ?? null;
    else input[spec.field] = value ?? (spec.field === "firstName" || spec.field === "lastName" ? "" : spec.list ? [] : null);
  }
  if (Object.keys(custom).length) input.custom = custom;
  return { input, chosen };
}

function parsed<T extends z.ZodType>(schema: T, input: Record<string, unknown>): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const errors = r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new AppError("validation_failed", `The merged record would not be valid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, errors);
}

/**
 * References whose move means more than changing the column: their owners record the change (history and an event per
 * moved record), keep the survivor's row where both records were on the same thing, or avoid a cycle. Each names the
 * foreign-key columns (table.column) it moves; `moved` is the key the merge's answer counts it under.
 */
const referenceHandlers: Record<
  RuleObject,
  { covers: string[]; moved?: string; run: (ctx: Ctx, fromId: string, toId: string) => Promise<number | undefined> }[]
> = {
  contact: [
    // Also the meetings the contact attended (activity_attendees.attendee_id names a contact or a user: no key).
    { covers: ["activities.contact_id"], moved: "activities", run: (ctx, from, to) => reassignActivities(ctx, "contact", from, to) },
    { covers: ["deal_contacts.contact_id"], moved: "deals", run: (ctx, from, to) => reassignDeals(ctx, "contact", from, to) },
    { covers: ["form_submissions.contact_id"], moved: "formSubmissions", run: reassignFormSubmissions },
    // A contact is in one sequence at a time (a partial unique index the plain move cannot see): the loser's live one
    // ends when the survivor has its own.
    { covers: ["sequence_enrolments.contact_id"], moved: "sequenceEnrolments", run: moveEnrolments },
  ],
  company: [
    { covers: ["contacts.company_id"], moved: "contacts", run: moveContactsToCompany },
    { covers: ["companies.parent_id"], moved: "childCompanies", run: reparentChildCompanies },
    {
      covers: ["activities.company_id", "activity_attendees.company_id"],
      moved: "activities",
      run: (ctx, from, to) => reassignActivities(ctx, "company", from, to),
    },
    { covers: ["deals.company_id"], moved: "deals", run: (ctx, from, to) => reassignDeals(ctx, "company", from, to) },
  ],
};

const referencedTable: Record<RuleObject, string> = { contact: "contacts", company: "companies" };

/** The foreign keys to a contact or company, and which of them a handler of its own moves (the rest move plainly). */
export async function mergeReferences(ctx: Ctx, object: RuleObject): Promise<{ reference: Reference; handled: boolean }[]> {
  const handled = new Set(referenceHandlers[object].flatMap((h) => h.covers));
  return (await referencesTo(ctx.db, referencedTable[object])).map((reference) => ({
    reference,
    handled: handled.has(`${reference.table}.${reference.column}`),
  }));
}

/**
 * Moves everything that references the loser to the survivor. Which columns do is the database's own foreign keys
 * (composite, so read once from the catalog): a table added later that references contacts or companies is moved by
 * a merge without a change here; the handlers above only add what a plain move would miss.
 */
async function moveReferences(ctx: Ctx, object: RuleObject, fromId: string, toId: string, moved: Record<string, number>): Promise<void> {
  for (const h of referenceHandlers[object]) {
    const n = await h.run(ctx, fromId, toId);
    if (h.moved && n !== undefined) moved[h.moved] = n;
  }
  for (const { reference, handled } of await mergeReferences(ctx, object)) {
    if (handled) continue;
    const n = await repoint(ctx.db, ctx.workspaceId, reference, fromId, toId);
    const key = camelCase(reference.table);
    moved[key] = (moved[key] ?? 0) + n;
  }
}

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Merges `loserId` into `survivorId` in one transaction: the survivor takes the chosen values through the
 * normal update service (validated, history), every relation moves to it (activities, history rows, and for
 * companies their contacts and child companies), the loser goes to the trash, and a "merge" history row and
 * outbox event are written on both records.
 */
export async function mergeRecords(ctx: Ctx, body: MergeBody): Promise<{ survivorId: string; loserId: string; moved: Record<string, number> }> {
  assertCan(ctx.actor, "write");
  const { object, survivorId, loserId } = body;
  if (survivorId === loserId) throw invalidField("loserId", "A record cannot be merged into itself");
  return ctx.db.transaction(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const s = await load(t, object, survivorId);
    const l = await load(t, object, loserId);
    if (s.deletedAt) throw new AppError("conflict", "The record to keep is in the trash; restore it first.", [{ path: "survivorId", message: "In the trash" }]);
    if (l.deletedAt) throw new AppError("conflict", "The record to merge is already in the trash.", [{ path: "loserId", message: "In the trash" }]);
    const specs = await specsFor(t, object, s, l);
    const { input, chosen } = mergedInput(specs, s, l, body.choices);
    const moved: Record<string, number> = {};
    if (object === "contact") await updateContact(t, survivorId, parsed(UpdateContactBody, input));
    else {
      // The loser cannot stay the survivor's parent: the survivor takes the loser's own parent instead.
      const parent = "parentId" in input ? input.parentId : s.parentId;
      if (parent === loserId) input.parentId = l.parentId === survivorId ? null : (l.parentId ?? null);
      // Taking the loser's parent when that parent is the survivor would make it its own.
      else if (parent === survivorId) input.parentId = null;
      await updateCompany(t, survivorId, parsed(UpdateCompanyBody, input));
    }
    await moveReferences(t, object, loserId, survivorId, moved);
    // Tasks and history name their record by (object, id), which no foreign key can describe: moved by name.
    await reassignTasks(t, object, loserId, survivorId);
    moved.history = await reassignHistory(t, object, loserId, survivorId);
    if (object === "contact") await bulkContacts(t, { ids: [loserId], action: "delete" });
    else await bulkCompanies(t, { ids: [loserId], action: "delete" });
    const after = await load(t, object, survivorId);
    const changes = specs
      .filter((spec) => chosen[spec.field] !== "survivor")
      .map((spec) => ({ field: spec.field, from: fieldValue(s, spec.field) ?? null, to: fieldValue(after, spec.field) ?? null }));
    const payload = { survivorId, loserId, choices: chosen, loser: l, survivor: after };
    await recordChanges(tx, ctx, [
      { object, recordId: survivorId, action: "merge", changes: [{ field: "mergedFrom", from: null, to: loserId }, ...changes], payload },
      { object, recordId: loserId, action: "merge", changes: [{ field: "mergedInto", from: null, to: survivorId }], payload },
    ]);
    await tx
      .insert(recordMerges)
      .values({ workspaceId: ctx.workspaceId, id: newId(), object, survivorId, loserId, choices: chosen, moved, actorId: ctx.actor.userId });
    const d = duplicateCandidates;
    const pair = survivorId < loserId ? [survivorId, loserId] : [loserId, survivorId];
    await tx
      .update(d)
      .set({ status: "merged", resolvedBy: ctx.actor.userId, resolvedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(d.workspaceId, ctx.workspaceId), eq(d.object, object), eq(d.recordA, pair[0] as string), eq(d.recordB, pair[1] as string)));
    // Other open pairs with the loser are stale; the next scan finds them again against the survivor.
    await tx
      .delete(d)
      .where(and(eq(d.workspaceId, ctx.workspaceId), eq(d.object, object), eq(d.status, "open"), or(eq(d.recordA, loserId), eq(d.recordB, loserId))));
    return { survivorId, loserId, moved };
  });
}

/** Which survivor a trashed record was merged into, if it was. */
export async function mergedInto(ctx: Ctx, object: RuleObject, loserId: string): Promise<string | null> {
  const [row] = await ctx.db
    .select({ survivorId: recordMerges.survivorId })
    .from(recordMerges)
    .where(and(eq(recordMerges.workspaceId, ctx.workspaceId), eq(recordMerges.object, object), eq(recordMerges.loserId, loserId)))
    .orderBy(desc(recordMerges.at))
    .limit(1);
  return row?.survivorId ?? null;
}
