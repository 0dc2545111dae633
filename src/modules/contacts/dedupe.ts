import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { diff, recordChanges } from "../history/service.js";
import { contacts } from "./table.js";

/**
 * Duplicate detection and merge support for contacts, kept in the contacts module because it reads the
 * contacts table; the duplicates module calls these.
 */

/** Shared addresses such as info@ or a switchboard number link too many people to mean "same person". */
const MAX_GROUP = 50;
/** 0.55 keeps Jane Smith / Jayne Smith / Jane Smyth together and Michael / Michelle Miller apart. */
export const NAME_SIMILARITY = 0.55;

const fullName = sql`lower(btrim(${contacts.firstName} || ' ' || ${contacts.lastName}))`;

/**
 * Candidate pairs (a < b) with a reason and a score, as one set-based query blocked on indexed keys:
 * equal emails (any of email_list), equal phones (any of phone_list), and trigram-similar names at the
 * same company whose first or last names start alike — so the work grows with group sizes, not with the
 * square of the workspace.
 */
export function contactDuplicatePairsSql(ctx: Ctx): SQL {
  const ws = ctx.workspaceId;
  return sql`
    with live as materialized (
      select id, email_list, phone_list, company_id, lower(btrim(first_name || ' ' || last_name)) as name
      from contacts where workspace_id = ${ws} and deleted_at is null
    ),
    e as materialized (
      select id, v, count(*) over (partition by v) as n from (select id, unnest(email_list) as v from live) x
    ),
    p as materialized (
      select id, v, count(*) over (partition by v) as n from (select id, unnest(phone_list) as v from live) x
    ),
    n as materialized (
      select id, company_id, name, left(name, 1) as f, left(split_part(name, ' ', -1), 1) as l
      from live where company_id is not null and length(name) >= 2
    )
    select a.id as a, b.id as b, 'same email' as reason, 0.95::float8 as score
      from e a join e b on a.v = b.v and a.id < b.id where a.n between 2 and ${MAX_GROUP}
    union all
    select a.id, b.id, 'same phone', 0.8::float8
      from p a join p b on a.v = b.v and a.id < b.id where a.n between 2 and ${MAX_GROUP}
    union all
    select a.id, b.id, 'similar name at the same company', (0.3 + 0.6 * similarity(a.name, b.name))::float8
      from n a join n b on a.company_id = b.company_id and a.l = b.l and a.id < b.id
      where similarity(a.name, b.name) >= ${NAME_SIMILARITY}
    union all
    select a.id, b.id, 'similar name at the same company', (0.3 + 0.6 * similarity(a.name, b.name))::float8
      from n a join n b on a.company_id = b.company_id and a.f = b.f and a.l <> b.l and a.id < b.id
      where similarity(a.name, b.name) >= ${NAME_SIMILARITY}`;
}

export interface ContactProbe {
  excludeId?: string;
  email?: string;
  phone?: string | null;
  name?: string;
  companyId?: string;
}

export interface ContactHit {
  id: string;
  firstName: string;
  lastName: string;
  primaryEmail: string | null;
  companyId: string | null;
  sameEmail: boolean;
  samePhone: boolean;
  nameSimilarity: number;
}

/** Live contacts that look like the one being typed: index lookups on emails, phones and the trigram search text. */
export async function findContactDuplicates(ctx: Ctx, probe: ContactProbe): Promise<ContactHit[]> {
  const name = probe.name?.trim().toLowerCase() ?? "";
  const email = probe.email?.trim().toLowerCase() || null;
  const phone = probe.phone || null;
  const ors: SQL[] = [];
  if (email) ors.push(sql`email_list @> array[${email}]::text[]`);
  if (phone) ors.push(sql`phone_list @> array[${phone}]::text[]`);
  if (name.length >= 3 && probe.companyId) ors.push(sql`(company_id = ${probe.companyId} and similarity(${fullName}, ${name}) >= ${NAME_SIMILARITY})`);
  if (name.length >= 5) ors.push(sql`(${name} <% search_text and similarity(${fullName}, ${name}) >= 0.7)`);
  if (ors.length === 0) return [];
  return queryRows<ContactHit>(
    ctx.db,
    sql`select id, first_name as "firstName", last_name as "lastName", primary_email as "primaryEmail", company_id as "companyId",
        coalesce(${email}::text is not null and email_list @> array[${email}]::text[], false) as "sameEmail",
        coalesce(${phone}::text is not null and phone_list @> array[${phone}]::text[], false) as "samePhone",
        similarity(${fullName}, ${name})::float8 as "nameSimilarity"
      from contacts
      where workspace_id = ${ctx.workspaceId} and deleted_at is null
        ${probe.excludeId ? sql`and id <> ${probe.excludeId}` : sql``}
        and (${sql.join(ors, sql` or `)})
      limit 20`,
  );
}

export interface Summary {
  id: string;
  label: string;
  detail: string | null;
  deletedAt: string | null;
}

/** Name, main email and trash state of some contacts, for the review queue. */
export async function contactSummaries(ctx: Ctx, ids: string[]): Promise<Map<string, Summary>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({
      id: contacts.id,
      first: contacts.firstName,
      last: contacts.lastName,
      email: contacts.primaryEmail,
      phone: contacts.primaryPhone,
      deletedAt: contacts.deletedAt,
    })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), inArray(contacts.id, unique)));
  return new Map(
    rows.map((r) => [
      r.id,
      { id: r.id, label: `${r.first} ${r.last}`.trim() || r.email || "(no name)", detail: r.email ?? r.phone, deletedAt: r.deletedAt?.toISOString() ?? null },
    ]),
  );
}

/** Company merge: every contact of `fromCompanyId` (trashed ones too) now works at `toCompanyId`, with history. */
export async function moveContactsToCompany(ctx: Ctx, fromCompanyId: string, toCompanyId: string): Promise<number> {
  const moved = await ctx.db
    .update(contacts)
    .set({ companyId: toCompanyId, updatedAt: new Date() })
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), eq(contacts.companyId, fromCompanyId)))
    .returning({ id: contacts.id });
  await recordChanges(
    ctx.db,
    ctx,
    moved.map((m) => ({
      object: "contact",
      recordId: m.id,
      action: "update" as const,
      changes: diff({ companyId: fromCompanyId }, { companyId: toCompanyId }, ["companyId"]),
      payload: { id: m.id, companyId: toCompanyId, reason: "company merge" },
    })),
  );
  return moved.length;
}

/** Live contacts count, for the scan's report. */
export async function liveContactCount(ctx: Ctx): Promise<number> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, ctx.workspaceId), isNull(contacts.deletedAt)));
  return row?.n ?? 0;
}
