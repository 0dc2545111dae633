import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { BulkAction } from "../../contract/common.js";
import type { Company, CompanyListQuery, CreateCompanyBody, UpdateCompanyBody } from "../../contract/companies.js";
import type { CustomField } from "../../contract/custom-fields.js";
import { visibleCustom } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { parsePhone } from "../../core/phones.js";
import { assertCan, assertMayAtAll, assertMayCreate } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { countRows, type RowCount } from "../../db/count.js";
import { insertMany } from "../../db/insert-many.js";
import { allOf, encodeCursor, keyset, type ListField, parseSort, resolveField, sortValueOf } from "../../db/list-query.js";
import { inIds, param, prepared } from "../../db/prepared.js";
import { ownerFilter, searchText, textSearch, trashFilter, withTypoTolerance } from "../../db/record-filters.js";
import { assertAccess, visibleWhere } from "../../db/visibility.js";
import { filterPredicate } from "../conditions/service.js";
import { listCustomFields, validateCustomValues } from "../custom-fields/service.js";
import { diff, recordChanges } from "../history/service.js";
import { assertUsersExist, teammateIds } from "../users/service.js";
import { checkRecord, enforceBulkRules, enforceRules, loadRules } from "../validation-rules/service.js";
import { workspaceSettings } from "../workspaces/service.js";
import { companies } from "./table.js";

type Row = typeof companies.$inferSelect;
const OBJECT = "company" as const;

/** A company as this actor may see it: without the custom fields their role hides. */
const shown = (ctx: Ctx, c: Company): Company => ({ ...c, custom: visibleCustom(ctx.actor, OBJECT, c.custom) });
const HISTORY_FIELDS = [
  "name",
  "domain",
  "industry",
  "employees",
  "annualRevenue",
  "currency",
  "phone",
  "phoneExtension",
  "address",
  "parentId",
  "ownerId",
  "tags",
  "description",
  "custom",
] as const;

export const companyFields: Record<string, ListField> = {
  name: { expr: companies.name, kind: "text", sortable: true },
  domain: { expr: companies.domain, kind: "text", sortable: true },
  industry: { expr: companies.industry, kind: "text", sortable: true },
  employees: { expr: companies.employees, kind: "number", sortable: true },
  annualRevenue: {
    expr: companies.annualRevenue,
    kind: "number",
    sortable: true,
  },
  currency: { expr: companies.currency, kind: "text" },
  phone: { expr: companies.phone, kind: "text" },
  country: {
    expr: sql`(${companies.address} ->> 'country')`,
    kind: "text",
    sortable: true,
  },
  city: {
    expr: sql`(${companies.address} ->> 'city')`,
    kind: "text",
    sortable: true,
  },
  parentId: { expr: companies.parentId, kind: "uuid" },
  ownerId: { expr: companies.ownerId, kind: "uuid" },
  tags: { expr: companies.tags, kind: "text_array" },
  description: { expr: companies.description, kind: "text" },
  createdAt: { expr: companies.createdAt, kind: "timestamp", sortable: true },
  updatedAt: { expr: companies.updatedAt, kind: "timestamp", sortable: true },
};

export const toCompany = (r: Row): Company => ({
  id: r.id,
  name: r.name,
  domain: r.domain,
  industry: r.industry,
  employees: r.employees,
  annualRevenue: r.annualRevenue,
  currency: r.currency,
  phone: r.phone,
  phoneExtension: r.phoneExtension,
  address: r.address,
  parentId: r.parentId,
  ownerId: r.ownerId,
  tags: r.tags,
  description: r.description,
  custom: r.custom,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  deletedAt: r.deletedAt?.toISOString() ?? null,
});

const scoped = (ctx: Ctx, id: string) => and(eq(companies.workspaceId, ctx.workspaceId), eq(companies.id, id));

async function findRow(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await prepared(ctx.db, "company_by_id", (db, name) =>
    db
      .select()
      .from(companies)
      .where(and(eq(companies.workspaceId, param("workspaceId")), eq(companies.id, param("id"))))
      .prepare(name),
  ).execute({ workspaceId: ctx.workspaceId, id });
  if (!row) throw notFound("Company");
  return row;
}

export async function getCompany(ctx: Ctx, id: string): Promise<Company> {
  const row = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "read", row);
  return shown(ctx, toCompany(row));
}

/** Live companies by id (an import compares them with its rows); ids outside the workspace or in the trash are absent. */
export async function companiesByIds(ctx: Ctx, ids: string[]): Promise<Company[]> {
  assertCan(ctx.actor, "read");
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(companies)
    .where(and(eq(companies.workspaceId, ctx.workspaceId), inArray(companies.id, unique), isNull(companies.deletedAt)));
  return rows.map(toCompany);
}

/** Names of companies by id, for contacts and timelines; ids outside the workspace are simply absent. */
export async function companyNames(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await prepared(ctx.db, "company_names", (db, name) =>
    db
      .select({ id: companies.id, name: companies.name })
      .from(companies)
      .where(and(eq(companies.workspaceId, param("workspaceId")), inIds(companies.id, "ids")))
      .prepare(name),
  ).execute({ workspaceId: ctx.workspaceId, ids: unique });
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Size and industry of companies by id: what lead assignment and scoring rules test. */
export async function companyProfiles(ctx: Ctx, ids: string[]): Promise<Map<string, { employees: number | null; industry: string | null }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: companies.id, employees: companies.employees, industry: companies.industry })
    .from(companies)
    .where(and(eq(companies.workspaceId, ctx.workspaceId), inArray(companies.id, unique)));
  return new Map(rows.map((r) => [r.id, { employees: r.employees, industry: r.industry }]));
}

/** What a contact write needs of its company, in one read: that it exists, size and industry for the lead rules, its name for the answer. */
export interface CompanyCard {
  id: string;
  name: string;
  employees: number | null;
  industry: string | null;
}

/** A company's card by id, trashed or not; null when it is not in the workspace. */
export async function companyCard(ctx: Ctx, id: string): Promise<(CompanyCard & { deletedAt: Date | null }) | null> {
  const [row] = await ctx.db
    .select({ id: companies.id, name: companies.name, employees: companies.employees, industry: companies.industry, deletedAt: companies.deletedAt })
    .from(companies)
    .where(scoped(ctx, id));
  return row ?? null;
}

/** The company a write links to, or a validation error on `path` when it does not exist or is in the trash. */
export async function companyForWrite(ctx: Ctx, id: string, path: string): Promise<CompanyCard> {
  const card = await companyCard(ctx, id);
  if (!card || card.deletedAt) throw new AppError("validation_failed", `${path}: no such company`, [{ path, message: "No such company" }]);
  return card;
}

export async function assertCompanyExists(ctx: Ctx, id: string | null | undefined, path: string): Promise<void> {
  if (id) await companyForWrite(ctx, id, path);
}

async function normalise(ctx: Ctx, input: z.infer<typeof UpdateCompanyBody>, id?: string) {
  const out: Partial<Row> = {};
  for (const k of ["name", "domain", "industry", "employees", "annualRevenue", "currency", "address", "parentId", "ownerId", "tags", "description"] as const) {
    if (input[k] !== undefined) (out as Record<string, unknown>)[k] = input[k];
  }
  if (input.tags) out.tags = [...new Set(input.tags)];
  if (input.phone !== undefined) {
    if (input.phone === null || input.phone === "") {
      out.phone = null;
      out.phoneExtension = null;
    } else {
      const settings = await workspaceSettings(ctx);
      const phone = parsePhone(input.phone, input.address?.country ?? settings.defaultCountry);
      if (!phone)
        throw new AppError("validation_failed", "phone: not a valid phone number", [
          {
            path: "phone",
            message: "Enter a valid phone number, with its country code (+49 …)",
          },
        ]);
      out.phone = phone.number;
      // The number as written is the whole truth: without an extension in it (or beside it), the old one goes.
      out.phoneExtension = input.phoneExtension || phone.extension || null;
    }
  } else if (input.phoneExtension !== undefined) out.phoneExtension = input.phoneExtension || null;
  await assertUsersExist(ctx, [input.ownerId]);
  if (input.parentId) {
    if (input.parentId === id)
      throw new AppError("validation_failed", "parentId: a company cannot be its own parent", [{ path: "parentId", message: "Cannot be its own parent" }]);
    await assertCompanyExists(ctx, input.parentId, "parentId");
    if (id) await assertNoCycle(ctx, id, input.parentId);
  }
  return out;
}

async function assertNoCycle(ctx: Ctx, id: string, parentId: string) {
  // Walk up from the new parent; meeting the company itself would close a loop.
  const rows = await queryRows<{ id: string }>(
    ctx.db,
    sql`
    with recursive up(id, parent_id, depth) as (
      select id, parent_id, 0 from companies where workspace_id = ${ctx.workspaceId} and id = ${parentId}
      union all
      select c.id, c.parent_id, up.depth + 1 from companies c join up on c.id = up.parent_id
      where c.workspace_id = ${ctx.workspaceId} and up.depth < 50
    ) select id from up where id = ${id} limit 1`,
  );
  if (rows.length > 0)
    throw new AppError("validation_failed", "parentId: that would make a loop of parent companies", [{ path: "parentId", message: "Would make a loop" }]);
}

const withSearch = (r: Pick<Row, "name" | "domain" | "phone">) => searchText([r.name, r.domain, r.phone]);

export async function createCompany(ctx: Ctx, input: z.infer<typeof CreateCompanyBody>): Promise<Company> {
  assertMayCreate(ctx.actor, OBJECT);
  const values = await normalise(ctx, input);
  const custom = await validateCustomValues(ctx, "company", input.custom);
  await enforceRules(ctx, "company", { ...values, name: input.name, custom });
  const now = new Date();
  const row = {
    ...values,
    name: input.name,
    workspaceId: ctx.workspaceId,
    id: newId(),
    ownerId: input.ownerId === undefined ? ctx.actor.userId : input.ownerId,
    currency: input.currency ?? (await workspaceSettings(ctx)).defaultCurrency ?? "USD",
    custom,
    createdAt: now,
    updatedAt: now,
  };
  const created = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(companies)
      .values({
        ...row,
        searchText: withSearch({
          name: row.name,
          domain: row.domain ?? null,
          phone: row.phone ?? null,
        }),
      })
      .returning();
    const company = toCompany(inserted as Row);
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: company.id,
        action: "create",
        changes: diff(null, company, HISTORY_FIELDS),
        payload: company,
      },
    ]);
    return company;
  });
  return shown(ctx, created);
}

export async function updateCompany(ctx: Ctx, id: string, input: z.infer<typeof UpdateCompanyBody>): Promise<Company> {
  const current = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "edit", current);
  if (current.deletedAt) throw new AppError("conflict", "This company is in the trash; restore it first.");
  const values = await normalise(ctx, input, id);
  const custom = input.custom === undefined ? undefined : await validateCustomValues(ctx, "company", input.custom, current.custom);
  const next = { ...current, ...values, ...(custom ? { custom } : {}) };
  await enforceRules(ctx, "company", next, input);
  const company = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(companies)
      .set({
        ...values,
        ...(custom ? { custom } : {}),
        searchText: withSearch(next),
        updatedAt: new Date(),
      })
      .where(scoped(ctx, id))
      .returning();
    const company = toCompany(updated as Row);
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: id,
        action: "update",
        changes: diff(toCompany(current), company, HISTORY_FIELDS),
        payload: company,
      },
    ]);
    return company;
  });
  // Lead scores read the company's size and industry: its contacts are rescored by a job that the company.updated
  // event queues (modules/leads/reactions.ts), not inside this request.
  return company;
}

type CompanyFilters = Omit<z.infer<typeof CompanyListQuery>, "limit" | "cursor" | "sort">;

/** What a company list or count keeps: the query's search, fields and filters, within the workspace. */
async function companyWhere(ctx: Ctx, query: CompanyFilters): Promise<(SQL | undefined)[]> {
  const conditions = [await filterPredicate(ctx, "company", query.filter)];
  const owner = await ownerFilter(ctx, companies.ownerId, query.ownerId, teammateIds);
  return [
    eq(companies.workspaceId, ctx.workspaceId),
    visibleWhere(ctx, OBJECT, "read", companies.ownerId, companies.id),
    trashFilter(companies.deletedAt, query.trashed),
    textSearch(companies.searchText, query.q),
    owner,
    query.tag ? sql`${query.tag} = any(${companies.tags})` : undefined,
    query.industry ? eq(companies.industry, query.industry) : undefined,
    query.domain ? eq(companies.domain, query.domain.toLowerCase()) : undefined,
    ...conditions,
  ];
}

/** How many companies a list query matches: exact up to a limit, else the planner's estimate. */
export async function countCompanies(ctx: Ctx, query: CompanyFilters): Promise<RowCount> {
  const where = allOf(await companyWhere(ctx, query));
  return withTypoTolerance(ctx.db, (tx) => countRows(tx, companies, where), { q: query.q });
}

export async function listCompanies(ctx: Ctx, query: z.infer<typeof CompanyListQuery>): Promise<{ data: Company[]; nextCursor: string | null }> {
  const defs = await listCustomFields(ctx, "company");
  const sort = parseSort(query.sort, "-createdAt");
  const sortField = resolveField(companyFields, sort.name, companies.custom, defs);
  if (!sortField.sortable) throw new AppError("validation_failed", `Cannot sort by ${sort.name}`, [{ path: "sort", message: `Cannot sort by ${sort.name}` }]);
  const ks = keyset(sortField, sort.descending, companies.id, query.cursor);
  const filters = await companyWhere(ctx, query);
  const rows = await withTypoTolerance(
    ctx.db,
    (tx) =>
      tx
        .select({ row: companies, sortValue: sortValueOf(ks) })
        .from(companies)
        .where(allOf([...filters, ks.where]))
        .orderBy(...ks.orderBy)
        .limit(query.limit + 1),
    { q: query.q },
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map((r) => shown(ctx, toCompany(r.row))),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ v: last.sortValue, id: last.row.id }) : null,
  };
}

export async function deleteCompany(ctx: Ctx, id: string): Promise<void> {
  await bulkCompanies(ctx, { ids: [id], action: "delete" }, true);
}

export async function restoreCompany(ctx: Ctx, id: string): Promise<Company> {
  await bulkCompanies(ctx, { ids: [id], action: "restore" }, true);
  return getCompany(ctx, id);
}

/** One statement per action for all ids, history for each changed record, in one transaction. */
export async function bulkCompanies(ctx: Ctx, input: z.infer<typeof BulkAction>, single = false): Promise<{ affected: number }> {
  await enforceBulkRules(ctx, "company", input);
  const ids = [...new Set(input.ids)];
  // Records the role may not change (or, for delete and restore, delete) are left alone: `affected` counts the rest.
  const right = input.action === "delete" || input.action === "restore" ? "delete" : "edit";
  assertMayAtAll(ctx.actor, OBJECT, right);
  const inScope = and(
    eq(companies.workspaceId, ctx.workspaceId),
    inArray(companies.id, ids),
    visibleWhere(ctx, OBJECT, right, companies.ownerId, companies.id),
  );
  if (single) await assertAccess(ctx, OBJECT, right, await findRow(ctx, ids[0] as string));
  const now = new Date();
  let set: Record<string, unknown>;
  let where = and(inScope, isNull(companies.deletedAt));
  switch (input.action) {
    case "tag":
    case "untag": {
      if (!input.tag) throw new AppError("validation_failed", "tag is required for this action", [{ path: "tag", message: "Required" }]);
      set =
        input.action === "tag"
          ? {
              tags: sql`(select array_agg(distinct t) from unnest(array_append(${companies.tags}, ${input.tag})) t)`,
            }
          : { tags: sql`array_remove(${companies.tags}, ${input.tag})` };
      break;
    }
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
      where = and(inScope, isNotNull(companies.deletedAt));
      break;
  }
  return ctx.db.transaction(async (tx) => {
    const before = await tx.select().from(companies).where(where);
    if (before.length === 0) return { affected: 0 };
    const after = await tx
      .update(companies)
      .set({ ...set, updatedAt: now })
      .where(
        and(
          where,
          inArray(
            companies.id,
            before.map((b) => b.id),
          ),
        ),
      )
      .returning();
    const byId = new Map(before.map((b) => [b.id, toCompany(b)]));
    const action = input.action === "delete" ? "delete" : input.action === "restore" ? "restore" : "update";
    await recordChanges(
      tx,
      ctx,
      after.map((a) => {
        const company = toCompany(a);
        const changes = diff(byId.get(a.id) ?? null, company, action === "update" ? HISTORY_FIELDS : ["deletedAt"]);
        return {
          object: OBJECT,
          recordId: a.id,
          action,
          changes,
          payload: company,
        };
      }),
    );
    return { affected: after.length };
  });
}

/**
 * Creates many companies with one multi-row INSERT … RETURNING, plus history and outbox rows, inside the
 * caller's transaction (ctx.db). Inputs must already have passed CreateCompanyBody; owner ids must be of
 * this workspace. Rows failing phone or custom-field validation come back in `errors` by index.
 */
export async function importCompanies(ctx: Ctx, inputs: z.infer<typeof CreateCompanyBody>[]): Promise<{ ids: (string | null)[]; errors: Map<number, string> }> {
  assertMayCreate(ctx.actor, OBJECT);
  const errors = new Map<number, string>();
  const ids: (string | null)[] = inputs.map(() => null);
  if (inputs.length === 0) return { ids, errors };
  const settings = await workspaceSettings(ctx);
  const defs = await listCustomFields(ctx, "company");
  const rules = await loadRules(ctx, "company");
  await assertUsersExist(
    ctx,
    inputs.map((i) => i.ownerId),
  );
  const now = new Date();
  const rows: (typeof companies.$inferInsert)[] = [];
  const indexOf: number[] = [];
  for (const [i, input] of inputs.entries()) {
    let phone: string | null = null;
    let phoneExtension: string | null = null;
    if (input.phone) {
      const parsed = parsePhone(input.phone, input.address?.country ?? settings.defaultCountry);
      if (!parsed) {
        errors.set(i, "phone: Enter a valid phone number, with its country code (+49 …)");
        continue;
      }
      phone = parsed.number;
      phoneExtension = input.phoneExtension || parsed.extension || null;
    }
    let custom: Record<string, unknown>;
    try {
      custom = await validateCustomValues(ctx, "company", input.custom, undefined, defs);
    } catch (err) {
      errors.set(i, err instanceof AppError ? (err.detail ?? err.message) : String(err));
      continue;
    }
    const ruleErrors = checkRecord(rules, { ...input, phone, custom });
    if (ruleErrors.length) {
      errors.set(i, ruleErrors.map((e) => `${e.path}: ${e.message}`).join("; "));
      continue;
    }
    const row = {
      name: input.name,
      domain: input.domain ?? null,
      industry: input.industry ?? null,
      employees: input.employees ?? null,
      annualRevenue: input.annualRevenue ?? null,
      address: input.address ?? null,
      description: input.description ?? null,
      tags: [...new Set(input.tags ?? [])],
      phone,
      phoneExtension,
      workspaceId: ctx.workspaceId,
      id: newId(),
      ownerId: input.ownerId === undefined ? ctx.actor.userId : input.ownerId,
      currency: input.currency ?? settings.defaultCurrency ?? "USD",
      custom,
      createdAt: now,
      updatedAt: now,
    };
    rows.push({ ...row, searchText: withSearch(row) });
    indexOf.push(i);
  }
  if (rows.length === 0) return { ids, errors };
  const inserted = await insertMany(ctx.db, companies, rows, true);
  inserted.forEach((r, k) => {
    ids[indexOf[k] as number] = r.id;
  });
  await recordChanges(
    ctx.db,
    ctx,
    inserted.map((r) => {
      const company = toCompany(r);
      return { object: OBJECT, recordId: r.id, action: "create" as const, changes: diff(null, company, HISTORY_FIELDS), payload: company };
    }),
    { source: "import" },
  );
  return { ids, errors };
}

/** Live companies by domain or by name (case-insensitive): lower-cased value → id (the oldest when several match). */
export async function companyIdsBy(ctx: Ctx, field: "domain" | "name", values: string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(values.map((v) => v.trim().toLowerCase()).filter(Boolean))];
  const map = new Map<string, string>();
  if (wanted.length === 0) return map;
  const column = field === "domain" ? sql`${companies.domain}` : sql`lower(${companies.name})`;
  const rows = await ctx.db
    .select({ id: companies.id, key: sql<string>`lower(${column})` })
    .from(companies)
    .where(and(eq(companies.workspaceId, ctx.workspaceId), isNull(companies.deletedAt), inArray(column, wanted)))
    .orderBy(companies.createdAt, companies.id);
  for (const r of rows) if (!map.has(r.key)) map.set(r.key, r.id);
  return map;
}

/** Which of these ids are live companies of this workspace. */
export async function existingCompanyIds(ctx: Ctx, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows = await ctx.db
    .select({ id: companies.id })
    .from(companies)
    .where(and(eq(companies.workspaceId, ctx.workspaceId), inArray(companies.id, unique), isNull(companies.deletedAt)));
  return new Set(rows.map((r) => r.id));
}
