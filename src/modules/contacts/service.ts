import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { BulkAction } from "../../contract/common.js";
import {
  type Contact,
  type ContactListQuery,
  type CreateContactBody,
  type LeadStatus,
  leadStages,
  type ScoreItem,
  type UpdateContactBody,
} from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import { visibleCustom } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { parsePhone } from "../../core/phones.js";
import { assertMayAtAll, assertMayCreate } from "../../core/roles.js";
import { type Db, queryRows } from "../../db/client.js";
import { countRows, type RowCount } from "../../db/count.js";
import { insertMany } from "../../db/insert-many.js";
import { allOf, encodeCursor, keyset, type ListField, parseSort, resolveField, sortValueOf } from "../../db/list-query.js";
import { inIds, param, prepared } from "../../db/prepared.js";
import { ownerFilter, searchText, textSearch, trashFilter, withTypoTolerance } from "../../db/record-filters.js";
import { selectPage } from "../../db/table-pages.js";
import { assertAccess, visibleWhere } from "../../db/visibility.js";
import { type CompanyCard, companyCard, companyForWrite, companyNames, companyProfiles } from "../companies/service.js";
import { filterPredicate } from "../conditions/service.js";
import { listCustomFields, validateCustomValues } from "../custom-fields/service.js";
import { diff, publishEvents, recordChanges } from "../history/service.js";
import { type Assignment, assignmentConfig, assignOwners } from "../leads/assignment.js";
import { leadRecordOf } from "../leads/conditions.js";
import { scoreContacts, scoringConfig } from "../leads/score.js";
import { segmentFilter } from "../segments/public.js";
import { assertUsersExist, teammateIds } from "../users/service.js";
import { checkRecord, enforceBulkRules, enforceRules, loadRules } from "../validation-rules/service.js";
import { workspaceSettings } from "../workspaces/service.js";
import { contacts, type StoredEmail, type StoredPhone } from "./table.js";

type Row = typeof contacts.$inferSelect;
const OBJECT = "contact" as const;
const HISTORY_FIELDS = [
  "firstName",
  "lastName",
  "emails",
  "phones",
  "jobTitle",
  "companyId",
  "ownerId",
  "lifecycleStage",
  "leadSource",
  "leadStatus",
  "assignmentReason",
  "tags",
  "address",
  "socialProfiles",
  "doNotContact",
  "emailConsent",
  "custom",
] as const;

export const contactFields: Record<string, ListField> = {
  firstName: { expr: contacts.firstName, kind: "text", sortable: true },
  lastName: { expr: contacts.lastName, kind: "text", sortable: true },
  primaryEmail: { expr: contacts.primaryEmail, kind: "text", sortable: true },
  email: { expr: contacts.emailList, kind: "text_array" },
  primaryPhone: { expr: contacts.primaryPhone, kind: "text" },
  jobTitle: { expr: contacts.jobTitle, kind: "text", sortable: true },
  companyId: { expr: contacts.companyId, kind: "uuid" },
  ownerId: { expr: contacts.ownerId, kind: "uuid" },
  lifecycleStage: {
    expr: contacts.lifecycleStage,
    kind: "text",
    sortable: true,
  },
  leadSource: { expr: contacts.leadSource, kind: "text", sortable: true },
  leadStatus: { expr: contacts.leadStatus, kind: "text", sortable: true },
  leadScore: { expr: contacts.leadScore, kind: "number", sortable: true },
  tags: { expr: contacts.tags, kind: "text_array" },
  country: {
    expr: sql`(${contacts.address} ->> 'country')`,
    kind: "text",
    sortable: true,
  },
  city: {
    expr: sql`(${contacts.address} ->> 'city')`,
    kind: "text",
    sortable: true,
  },
  doNotContact: {
    expr: contacts.doNotContact,
    kind: "boolean",
    sortable: true,
  },
  emailConsent: {
    expr: contacts.emailConsent,
    kind: "boolean",
    sortable: true,
  },
  createdAt: { expr: contacts.createdAt, kind: "timestamp", sortable: true },
  updatedAt: { expr: contacts.updatedAt, kind: "timestamp", sortable: true },
};

/** How a contact is named wherever it is shown: its name, else its primary email. */
const fullNameOf = (r: Pick<Row, "firstName" | "lastName" | "primaryEmail">) => `${r.firstName} ${r.lastName}`.trim() || r.primaryEmail || "(no name)";

export function toContact(r: Row, companyName: string | null = null): Contact {
  return {
    id: r.id,
    firstName: r.firstName,
    lastName: r.lastName,
    fullName: fullNameOf(r),
    emails: r.emails.map((e) => ({
      email: e.email,
      primary: e.primary,
      ...(e.label ? { label: e.label } : {}),
    })),
    phones: r.phones.map((p) => ({
      phone: p.phone,
      primary: p.primary,
      ...(p.extension ? { extension: p.extension } : {}),
      ...(p.label ? { label: p.label } : {}),
    })),
    primaryEmail: r.primaryEmail,
    primaryPhone: r.primaryPhone,
    jobTitle: r.jobTitle,
    companyId: r.companyId,
    companyName,
    ownerId: r.ownerId,
    lifecycleStage: r.lifecycleStage,
    leadSource: (r.leadSource as Contact["leadSource"]) ?? null,
    leadStatus: r.leadStatus ?? null,
    leadScore: r.leadScore,
    scoreBreakdown: r.scoreBreakdown,
    scoredAt: r.scoredAt?.toISOString() ?? null,
    assignmentReason: r.assignmentReason,
    sourceDetails: r.sourceDetails,
    tags: r.tags,
    address: r.address,
    socialProfiles: r.socialProfiles,
    doNotContact: r.doNotContact,
    emailConsent: r.emailConsent,
    custom: r.custom,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt?.toISOString() ?? null,
  };
}

async function toContacts(ctx: Ctx, rows: Row[], known?: CompanyCard): Promise<Contact[]> {
  const ids = rows.map((r) => r.companyId).filter((id): id is string => Boolean(id));
  const names = known && ids.every((id) => id === known.id) ? new Map([[known.id, known.name]]) : await companyNames(ctx, ids);
  return rows.map((r) => {
    const c = toContact(r, r.companyId ? (names.get(r.companyId) ?? null) : null);
    return { ...c, custom: visibleCustom(ctx.actor, OBJECT, c.custom) };
  });
}

const scoped = (ctx: Ctx, id: string) => and(eq(contacts.workspaceId, ctx.workspaceId), eq(contacts.id, id));

const contactById = (db: Db) =>
  prepared(db, "contact_by_id", (d, name) =>
    d
      .select()
      .from(contacts)
      .where(and(eq(contacts.workspaceId, param("workspaceId")), eq(contacts.id, param("id"))))
      .prepare(name),
  );

async function findRow(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await contactById(ctx.db).execute({ workspaceId: ctx.workspaceId, id });
  if (!row) throw notFound("Contact");
  return row;
}

export async function getContact(ctx: Ctx, id: string): Promise<Contact> {
  const row = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "read", row);
  const [contact] = await toContacts(ctx, [row]);
  return contact as Contact;
}

/** One primary among several: the flagged one, else the first. */
function withPrimary<T extends { primary?: boolean }>(items: T[]): (T & { primary: boolean })[] {
  const idx = Math.max(
    0,
    items.findIndex((i) => i.primary),
  );
  return items.map((item, i) => ({ ...item, primary: i === idx }));
}

/**
 * The field normalisation every contact write shares (single, bulk, import): primary flags, E.164 phones
 * (national numbers take the address's country, else the workspace's), and the derived email/phone lists.
 */
export function contactValues(input: z.infer<typeof UpdateContactBody>, defaultCountry: string | undefined): { values: Partial<Row>; errors: FieldError[] } {
  const out: Partial<Row> = {};
  const errors: FieldError[] = [];
  for (const k of [
    "firstName",
    "lastName",
    "jobTitle",
    "companyId",
    "ownerId",
    "lifecycleStage",
    "leadSource",
    "leadStatus",
    "address",
    "socialProfiles",
    "doNotContact",
    "emailConsent",
  ] as const) {
    if (input[k] !== undefined) (out as Record<string, unknown>)[k] = input[k];
  }
  if (input.tags) out.tags = [...new Set(input.tags)];
  if (input.emails) {
    const seen = new Set<string>();
    input.emails.forEach((e, i) => {
      if (seen.has(e.email)) errors.push({ path: `emails.${i}.email`, message: "Listed twice" });
      seen.add(e.email);
    });
    const emails: StoredEmail[] = withPrimary(input.emails);
    out.emails = emails;
    out.emailList = emails.map((e) => e.email);
    out.primaryEmail = emails.find((e) => e.primary)?.email ?? null;
  }
  if (input.phones) {
    const country = input.address?.country ?? defaultCountry;
    const phones: StoredPhone[] = withPrimary(
      input.phones.map((p, i) => {
        const parsed = parsePhone(p.phone, country);
        if (!parsed)
          errors.push({
            path: `phones.${i}.phone`,
            message: "Enter a valid phone number, with its country code (+49 …)",
          });
        const { extension: _typed, ...rest } = p;
        const extension = p.extension || parsed?.extension;
        return { ...rest, phone: parsed?.number ?? p.phone, ...(extension ? { extension } : {}) };
      }),
    );
    out.phones = phones;
    out.phoneList = phones.map((p) => p.phone);
    out.primaryPhone = phones.find((p) => p.primary)?.phone ?? null;
  }
  return { values: out, errors };
}

/** The stored columns of a create or patch, with the company it links to (read once: checked, then reused for scoring and the answer). */
async function normalise(ctx: Ctx, input: z.infer<typeof UpdateContactBody>): Promise<{ values: Partial<Row>; company?: CompanyCard }> {
  const country = input.phones && !input.address?.country ? (await workspaceSettings(ctx)).defaultCountry : undefined;
  const { values, errors } = contactValues(input, country);
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  await assertUsersExist(ctx, [input.ownerId]);
  return { values, company: input.companyId ? await companyForWrite(ctx, input.companyId, "companyId") : undefined };
}

const withSearch = (r: Pick<Row, "firstName" | "lastName" | "emailList" | "phoneList" | "jobTitle">) =>
  searchText([r.firstName, r.lastName, ...r.emailList, ...r.phoneList, ...r.phoneList.map((p) => p.replace(/\D/g, "")), r.jobTitle]);

/** Lead status a new contact starts with: "new" while it is in a lead stage, none for customers and the like. */
const initialLeadStatus = (stage: string | undefined, given: LeadStatus | null | undefined): LeadStatus | null =>
  given !== undefined ? given : (leadStages as readonly string[]).includes(stage ?? "lead") ? "new" : null;

export interface CreateOptions {
  /** Where the contact came from (form, UTM parameters, referrer), stored as source_details. */
  sourceDetails?: Record<string, unknown>;
}

/** Lead facts of a row about to be written: what assignment and scoring rules test. */
async function factsFor(
  ctx: Ctx,
  rows: (Pick<Row, "address" | "jobTitle" | "leadSource" | "lifecycleStage" | "primaryEmail" | "tags" | "custom" | "companyId"> & Partial<Row>)[],
  known?: CompanyCard,
) {
  const ids = rows.map((r) => r.companyId).filter((id): id is string => Boolean(id));
  const companies = known && ids.every((id) => id === known.id) ? new Map([[known.id, known]]) : await companyProfiles(ctx, ids);
  return rows.map((r) => leadRecordOf({ ...r, leadSource: (r.leadSource as Contact["leadSource"]) ?? null }, r.companyId ? companies.get(r.companyId) : null));
}

const scoreColumns = (s: { score: number; breakdown: ScoreItem[]; changesAt: Date | null } | undefined, now: Date) => ({
  leadScore: s?.score ?? 0,
  scoreBreakdown: s?.breakdown ?? [],
  scoreChangesAt: s?.changesAt ?? null,
  scoredAt: now,
});

/**
 * Creates a contact. Without an explicit ownerId the assignment rules pick the owner (and say why in
 * assignment_reason), falling back to the acting user; the lead score is computed before the insert.
 */
export async function createContact(ctx: Ctx, input: z.infer<typeof CreateContactBody>, options: CreateOptions = {}): Promise<Contact> {
  assertMayCreate(ctx.actor, OBJECT);
  const { values, company } = await normalise(ctx, input);
  const custom = await validateCustomValues(ctx, "contact", input.custom);
  await enforceRules(ctx, "contact", { ...values, custom });
  const now = new Date();
  const row = {
    firstName: "",
    lastName: "",
    emailList: [] as string[],
    phoneList: [] as string[],
    jobTitle: null,
    primaryEmail: null,
    address: null,
    leadSource: null,
    tags: [] as string[],
    lifecycleStage: "lead" as const,
    companyId: null,
    ...values,
    leadStatus: initialLeadStatus(input.lifecycleStage, input.leadStatus),
    workspaceId: ctx.workspaceId,
    id: newId(),
    custom,
    sourceDetails: options.sourceDetails ?? {},
    createdAt: now,
    updatedAt: now,
  };
  const [facts] = await factsFor(ctx, [row], company);
  const scoring = await scoringConfig(ctx);
  const assigning = input.ownerId === undefined ? await assignmentConfig(ctx) : undefined;
  const inserted = await ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    let assignment: Assignment | null = null;
    if (assigning) assignment = (await assignOwners(txCtx, [facts as NonNullable<typeof facts>], assigning))[0] ?? null;
    const score = (await scoreContacts(txCtx, [{ id: row.id, facts: facts as NonNullable<typeof facts> }], now, scoring)).get(row.id);
    // insertMany rather than Drizzle's insert: the statement's text is built once per shape of row, where Drizzle
    // builds the 35-column insert and its RETURNING on every call (a prepared one would be bound to one connection).
    const [r] = await insertMany(
      tx,
      contacts,
      [
        {
          ...row,
          ownerId: input.ownerId === undefined ? (assignment?.ownerId ?? ctx.actor.userId) : input.ownerId,
          assignmentReason: assignment?.reason ?? null,
          ...scoreColumns(score, now),
          searchText: withSearch(row),
        },
      ],
      true,
    );
    const contact = toContact(r as Row);
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: contact.id,
        action: "create",
        changes: diff(null, contact, HISTORY_FIELDS),
        payload: contact,
      },
    ]);
    await publishScoreChanges(tx, ctx, [{ id: contact.id, from: null, to: contact.leadScore }]);
    return r as Row;
  });
  return (await toContacts(ctx, [inserted], company))[0] as Contact;
}

export async function updateContact(
  ctx: Ctx,
  id: string,
  input: z.infer<typeof UpdateContactBody>,
  options: { sourceDetails?: Record<string, unknown> } = {},
): Promise<Contact> {
  const current = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "edit", current);
  if (current.deletedAt) throw new AppError("conflict", "This contact is in the trash; restore it first.");
  const { values, company } = await normalise(ctx, input);
  const custom = input.custom === undefined ? undefined : await validateCustomValues(ctx, "contact", input.custom, current.custom);
  const next = { ...current, ...values, custom: custom ?? current.custom };
  await enforceRules(ctx, "contact", next, input);
  if (!next.firstName && !next.lastName && next.emailList.length === 0) {
    throw new AppError("validation_failed", "Give the contact a name or an email", [{ path: "firstName", message: "Give the contact a name or an email" }]);
  }
  // The contact's company, read once for the lead rules and the answer (the current one when the patch keeps it).
  const card = company ?? (next.companyId ? ((await companyCard(ctx, next.companyId)) ?? undefined) : undefined);
  const [facts] = await factsFor(ctx, [next], card);
  const scoring = await scoringConfig(ctx);
  const now = new Date();
  const updated = await ctx.db.transaction(async (tx) => {
    const score = (await scoreContacts({ ...ctx, db: tx }, [{ id, facts: facts as NonNullable<typeof facts> }], now, scoring)).get(id);
    const [r] = await tx
      .update(contacts)
      .set({
        ...values,
        ...(custom ? { custom } : {}),
        ...(options.sourceDetails ? { sourceDetails: { ...current.sourceDetails, ...options.sourceDetails } } : {}),
        ...scoreColumns(score, now),
        searchText: withSearch(next),
        updatedAt: now,
      })
      .where(scoped(ctx, id))
      .returning();
    const contact = toContact(r as Row);
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: id,
        action: "update",
        changes: diff(toContact(current), contact, HISTORY_FIELDS),
        payload: contact,
      },
    ]);
    await publishScoreChanges(tx, ctx, [{ id, from: current.leadScore, to: contact.leadScore }]);
    return r as Row;
  });
  return (await toContacts(ctx, [updated], card))[0] as Contact;
}

type ContactFilters = Omit<z.infer<typeof ContactListQuery>, "limit" | "cursor" | "sort">;

/** What a contact list or count keeps: the query's search, fields and filters, within the workspace. */
async function contactWhere(ctx: Ctx, query: ContactFilters): Promise<(SQL | undefined)[]> {
  const conditions = [await filterPredicate(ctx, "contact", query.filter), await segmentFilter(ctx, query.segment)];
  const owner = await ownerFilter(ctx, contacts.ownerId, query.ownerId, teammateIds);
  return [
    eq(contacts.workspaceId, ctx.workspaceId),
    visibleWhere(ctx, OBJECT, "read", contacts.ownerId, contacts.id),
    trashFilter(contacts.deletedAt, query.trashed),
    textSearch(contacts.searchText, query.q),
    owner,
    query.companyId ? eq(contacts.companyId, query.companyId) : undefined,
    query.lifecycleStage ? eq(contacts.lifecycleStage, query.lifecycleStage) : undefined,
    query.leadsOnly === "true" ? inArray(contacts.lifecycleStage, [...leadStages]) : undefined,
    query.leadStatus ? eq(contacts.leadStatus, query.leadStatus) : undefined,
    query.leadSource ? eq(contacts.leadSource, query.leadSource) : undefined,
    query.leadScoreMin !== undefined ? gte(contacts.leadScore, query.leadScoreMin) : undefined,
    query.leadScoreMax !== undefined ? lte(contacts.leadScore, query.leadScoreMax) : undefined,
    query.tag ? sql`${query.tag} = any(${contacts.tags})` : undefined,
    query.email ? sql`${query.email.trim().toLowerCase()} = any(${contacts.emailList})` : undefined,
    ...conditions,
  ];
}

/** How many contacts a list query matches: exact up to a limit, else the planner's estimate. */
export async function countContacts(ctx: Ctx, query: ContactFilters): Promise<RowCount> {
  const where = allOf(await contactWhere(ctx, query));
  return withTypoTolerance(ctx.db, (tx) => countRows(tx, contacts, where), { q: query.q });
}

export async function listContacts(ctx: Ctx, query: z.infer<typeof ContactListQuery>): Promise<{ data: Contact[]; nextCursor: string | null }> {
  const defs = await listCustomFields(ctx, "contact");
  const sort = parseSort(query.sort, "-createdAt");
  const sortField = resolveField(contactFields, sort.name, contacts.custom, defs);
  if (!sortField.sortable) throw new AppError("validation_failed", `Cannot sort by ${sort.name}`, [{ path: "sort", message: `Cannot sort by ${sort.name}` }]);
  const ks = keyset(sortField, sort.descending, contacts.id, query.cursor);
  const filters = await contactWhere(ctx, query);
  const rows = await withTypoTolerance(
    ctx.db,
    (tx) =>
      selectPage(tx, contacts, {
        extra: { sortValue: sortValueOf(ks) },
        where: allOf([...filters, ks.where]),
        orderBy: ks.orderBy,
        limit: query.limit + 1,
      }),
    { q: query.q },
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: await toContacts(
      ctx,
      page.map((r) => r.row),
    ),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ v: last.extra.sortValue, id: last.row.id }) : null,
  };
}

/** Ids of a company's contacts (trashed included: their history still belongs on the company's timeline). */
/** A company's contacts' ids in pages, by id on the (workspace, company, id) index: every one, however many. */
export async function* contactIdPagesOfCompany(ctx: Ctx, companyId: string, pageSize = 500): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const rows = await ctx.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, ctx.workspaceId), eq(contacts.companyId, companyId), after ? gt(contacts.id, after) : undefined))
      .orderBy(asc(contacts.id))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    after = rows[rows.length - 1]?.id;
  }
}

export async function contactNames(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await prepared(ctx.db, "contact_names", (db, name) =>
    db
      .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, primaryEmail: contacts.primaryEmail })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, param("workspaceId")), inIds(contacts.id, "ids")))
      .prepare(name),
  ).execute({ workspaceId: ctx.workspaceId, ids: unique });
  return new Map(rows.map((r) => [r.id, fullNameOf(r)]));
}

export async function deleteContact(ctx: Ctx, id: string): Promise<void> {
  await assertAccess(ctx, OBJECT, "delete", await findRow(ctx, id));
  await bulkContacts(ctx, { ids: [id], action: "delete" });
}

export async function restoreContact(ctx: Ctx, id: string): Promise<Contact> {
  await assertAccess(ctx, OBJECT, "delete", await findRow(ctx, id));
  await bulkContacts(ctx, { ids: [id], action: "restore" });
  return getContact(ctx, id);
}

export async function bulkContacts(ctx: Ctx, input: z.infer<typeof BulkAction>): Promise<{ affected: number }> {
  await enforceBulkRules(ctx, "contact", input);
  const ids = [...new Set(input.ids)];
  // Records the role may not change (or, for delete and restore, delete) are left alone: `affected` counts the rest.
  const right = input.action === "delete" || input.action === "restore" ? "delete" : "edit";
  assertMayAtAll(ctx.actor, OBJECT, right);
  const inScope = and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, ids), visibleWhere(ctx, OBJECT, right, contacts.ownerId, contacts.id));
  const now = new Date();
  let set: Record<string, unknown>;
  let where = and(inScope, isNull(contacts.deletedAt));
  switch (input.action) {
    case "tag":
    case "untag":
      if (!input.tag) throw new AppError("validation_failed", "tag is required for this action", [{ path: "tag", message: "Required" }]);
      set =
        input.action === "tag"
          ? {
              tags: sql`(select array_agg(distinct t) from unnest(array_append(${contacts.tags}, ${input.tag})) t)`,
            }
          : { tags: sql`array_remove(${contacts.tags}, ${input.tag})` };
      break;
    case "setOwner":
      if (input.ownerId === undefined)
        throw new AppError("validation_failed", "ownerId is required for this action", [{ path: "ownerId", message: "Required" }]);
      await assertUsersExist(ctx, [input.ownerId]);
      set = { ownerId: input.ownerId };
      break;
    case "delete":
      set = { deletedAt: now };
      break;
    case "restore":
      set = { deletedAt: null };
      where = and(inScope, isNotNull(contacts.deletedAt));
      break;
  }
  return ctx.db.transaction(async (tx) => {
    const before = await tx.select().from(contacts).where(where);
    if (before.length === 0) return { affected: 0 };
    const after = await tx
      .update(contacts)
      .set({ ...set, updatedAt: now })
      .where(
        and(
          where,
          inArray(
            contacts.id,
            before.map((b) => b.id),
          ),
        ),
      )
      .returning();
    const byId = new Map(before.map((b) => [b.id, toContact(b)]));
    const action = input.action === "delete" ? "delete" : input.action === "restore" ? "restore" : "update";
    await recordChanges(
      tx,
      ctx,
      after.map((a) => {
        const contact = toContact(a);
        const changes = diff(byId.get(a.id) ?? null, contact, action === "update" ? HISTORY_FIELDS : ["deletedAt"]);
        return {
          object: OBJECT,
          recordId: a.id,
          action,
          changes,
          payload: contact,
        };
      }),
    );
    return { affected: after.length };
  });
}

/**
 * Creates many contacts with one multi-row INSERT … RETURNING, plus their history and outbox rows, inside
 * the caller's transaction (ctx.db). Inputs must already have passed CreateContactBody; owner and company
 * ids must be of this workspace (the caller resolved them). Rows that fail normalisation or custom-field
 * validation come back in `errors` by index instead of failing the batch.
 */
export async function importContacts(ctx: Ctx, inputs: z.infer<typeof CreateContactBody>[]): Promise<{ ids: (string | null)[]; errors: Map<number, string> }> {
  assertMayCreate(ctx.actor, OBJECT);
  const errors = new Map<number, string>();
  const ids: (string | null)[] = inputs.map(() => null);
  if (inputs.length === 0) return { ids, errors };
  const settings = await workspaceSettings(ctx);
  const defs = await listCustomFields(ctx, "contact");
  const rules = await loadRules(ctx, "contact");
  await assertUsersExist(
    ctx,
    inputs.map((i) => i.ownerId),
  );
  const now = new Date();
  const rows: (typeof contacts.$inferInsert)[] = [];
  const indexOf: number[] = [];
  for (const [i, input] of inputs.entries()) {
    const { values, errors: fieldErrors } = contactValues(input, settings.defaultCountry);
    if (fieldErrors.length) {
      errors.set(i, fieldErrors.map((e) => `${e.path}: ${e.message}`).join("; "));
      continue;
    }
    let custom: Record<string, unknown>;
    try {
      custom = await validateCustomValues(ctx, "contact", input.custom, undefined, defs);
    } catch (err) {
      errors.set(i, err instanceof AppError ? (err.detail ?? err.message) : String(err));
      continue;
    }
    const ruleErrors = checkRecord(rules, { ...values, custom });
    if (ruleErrors.length) {
      errors.set(i, ruleErrors.map((e) => `${e.path}: ${e.message}`).join("; "));
      continue;
    }
    const row = {
      firstName: "",
      lastName: "",
      emailList: [] as string[],
      phoneList: [] as string[],
      jobTitle: null,
      primaryEmail: null,
      address: null,
      leadSource: null,
      tags: [] as string[],
      lifecycleStage: "lead" as const,
      companyId: null,
      ...values,
      leadStatus: initialLeadStatus(input.lifecycleStage, input.leadStatus),
      workspaceId: ctx.workspaceId,
      id: newId(),
      ownerId: input.ownerId === undefined ? ctx.actor.userId : input.ownerId,
      custom,
      createdAt: now,
      updatedAt: now,
    };
    rows.push({ ...row, searchText: withSearch(row) });
    indexOf.push(i);
  }
  if (rows.length === 0) return { ids, errors };
  // Assignment and scoring for the whole batch: one rules load, one cursor update per round-robin rule.
  const facts = await factsFor(ctx, rows as Row[]);
  const unowned = rows.map((_, k) => k).filter((k) => inputs[indexOf[k] as number]?.ownerId === undefined);
  const assigned = await assignOwners(
    ctx,
    unowned.map((k) => facts[k] as NonNullable<(typeof facts)[number]>),
  );
  unowned.forEach((k, j) => {
    const a = assigned[j];
    const r = rows[k] as (typeof rows)[number];
    if (a) Object.assign(r, { ownerId: a.ownerId, assignmentReason: a.reason });
  });
  const scores = await scoreContacts(
    ctx,
    rows.map((r, k) => ({ id: r.id as string, facts: facts[k] as NonNullable<(typeof facts)[number]> })),
    now,
  );
  for (const r of rows) Object.assign(r, scoreColumns(scores.get(r.id as string), now));
  const inserted = await insertMany(ctx.db, contacts, rows, true);
  inserted.forEach((r, k) => {
    ids[indexOf[k] as number] = r.id;
  });
  await recordChanges(
    ctx.db,
    ctx,
    inserted.map((r) => {
      const contact = toContact(r);
      return { object: OBJECT, recordId: r.id, action: "create" as const, changes: diff(null, contact, HISTORY_FIELDS), payload: contact };
    }),
    { source: "import" },
  );
  await publishScoreChanges(
    ctx.db,
    { ...ctx, eventSource: "import" },
    inserted.map((r) => ({ id: r.id, from: null, to: r.leadScore })),
  );
  return { ids, errors };
}

/**
 * Live (not trashed) contacts whose primary email is one of these: email → contact id (the oldest when
 * several share one). It uses the (workspace_id, primary_email) B-tree: a GIN lookup over every email of
 * every contact costs milliseconds per value while bulk inserts fill the index's pending list.
 */
export async function contactIdsByEmail(ctx: Ctx, emails: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const map = new Map<string, string>();
  if (wanted.length === 0) return map;
  const rows = await ctx.db
    .select({ id: contacts.id, primaryEmail: contacts.primaryEmail })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.primaryEmail, wanted), isNull(contacts.deletedAt)))
    .orderBy(contacts.createdAt, contacts.id);
  for (const r of rows) if (r.primaryEmail && !map.has(r.primaryEmail)) map.set(r.primaryEmail, r.id);
  return map;
}

/** Which of these ids are live contacts of this workspace. */
export async function existingContactIds(ctx: Ctx, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows = await ctx.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, unique), isNull(contacts.deletedAt)));
  return new Set(rows.map((r) => r.id));
}

/** Live contacts by id → their company (null when none): what an imported activity needs to reach both timelines. */
export async function contactCompanyIds(ctx: Ctx, ids: string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: contacts.id, companyId: contacts.companyId })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, unique), isNull(contacts.deletedAt)));
  return new Map(rows.map((r) => [r.id, r.companyId]));
}

// ---- lead scoring support (the leads module computes; these read and store) ----

/** Live contacts by id (scoring reads them; an import compares them with its rows), without company names. */
export async function contactsForScoring(ctx: Ctx, ids: string[]): Promise<Contact[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, unique), isNull(contacts.deletedAt)));
  return rows.map((r) => toContact(r));
}

/** The next batch of live contact ids after `after`, by id (keyset over the primary key). */
export async function contactIdsAfter(ctx: Ctx, after: string | null, limit: number): Promise<string[]> {
  const rows = await ctx.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), isNull(contacts.deletedAt), after ? gt(contacts.id, after) : undefined))
    .orderBy(asc(contacts.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Stores computed lead scores with one UPDATE … FROM (VALUES …). A score is derived data, so it writes
 * no history row and leaves updated_at alone; the rules that produced it are themselves audited.
 */
export async function storeLeadScores(
  ctx: Ctx,
  items: { id: string; score: number; breakdown: ScoreItem[]; changesAt: Date | null }[],
  scoredAt: Date,
): Promise<void> {
  if (items.length === 0) return;
  const values = sql.join(
    items.map((i) => sql`(${i.id}::uuid, ${i.score}::smallint, ${JSON.stringify(i.breakdown)}::jsonb, ${i.changesAt?.toISOString() ?? null}::timestamptz)`),
    sql`, `,
  );
  await ctx.db.transaction(async (tx) => {
    // The self-join reads each row as it was before this statement: the old score, for contact.score_changed.
    const moved = await queryRows<{ id: string; previous: number; score: number }>(
      tx,
      sql`
      update contacts c set lead_score = v.score, score_breakdown = v.breakdown, score_changes_at = v.changes_at,
        scored_at = ${scoredAt.toISOString()}::timestamptz
      from (values ${values}) as v(id, score, breakdown, changes_at), contacts o
      where c.workspace_id = ${ctx.workspaceId} and c.id = v.id and o.workspace_id = c.workspace_id and o.id = c.id
      returning c.id, o.lead_score as previous, c.lead_score as score`,
    );
    await publishScoreChanges(
      tx,
      ctx,
      moved.map((m) => ({ id: m.id, from: Number(m.previous), to: Number(m.score) })),
    );
  });
}

/**
 * contact.score_changed for each contact whose stored score moved (a new contact: from none), in the writer's
 * transaction: the lead-score workflow trigger fires on it, whichever path changed the score.
 */
async function publishScoreChanges(tx: Db, ctx: Ctx, moves: { id: string; from: number | null; to: number }[]): Promise<void> {
  const moved = moves.filter((m) => (m.from ?? 0) !== m.to);
  await publishEvents(
    tx,
    ctx,
    moved.map((m) => ({
      type: "contact.score_changed" as const,
      recordId: m.id,
      record: { id: m.id, leadScore: m.to, previousScore: m.from },
      changes: [{ field: "leadScore", from: m.from, to: m.to }],
    })),
  );
}

/**
 * Contacts in any workspace whose decaying score is due for a recompute. The periodic decay pass is the
 * one job that looks across workspaces; it uses the partial index on score_changes_at.
 */
export async function contactsWithScoreDue(db: Ctx["db"], now: Date, limit: number): Promise<{ workspaceId: string; id: string }[]> {
  return db
    .select({ workspaceId: contacts.workspaceId, id: contacts.id })
    .from(contacts)
    .where(and(isNotNull(contacts.scoreChangesAt), lte(contacts.scoreChangesAt, now), isNull(contacts.deletedAt)))
    .orderBy(asc(contacts.scoreChangesAt))
    .limit(limit);
}

/** The live contact having this email among any of its emails (case-insensitive), the oldest if several. */
export async function contactIdByEmail(ctx: Ctx, email: string): Promise<string | null> {
  const wanted = email.trim().toLowerCase();
  if (!wanted) return null;
  const [row] = await ctx.db
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), sql`${contacts.emailList} @> array[${wanted}]::text[]`, isNull(contacts.deletedAt)))
    .orderBy(asc(contacts.createdAt), asc(contacts.id))
    .limit(1);
  return row?.id ?? null;
}
