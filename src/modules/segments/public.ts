import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Condition } from "../../contract/conditions.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { type ConditionContext, conditionContext, toSql } from "../conditions/service.js";
import { tableOf } from "../conditions/sources.js";
import { segmentMembers, segments } from "./table.js";

/**
 * What other modules (the contacts list, exports, campaigns) ask of segments: SQL over the contacts table, never
 * a list of ids in memory, so an audience of a million contacts is one query.
 */

const contactsTable = tableOf.contact;

/** The predicate "this contacts row is in the segment" for one stored segment (dynamic: its condition; static: its members). */
export function memberPredicate(
  segment: { id: string; kind: string; condition: Condition | null },
  context: ConditionContext,
  workspaceId: string,
  table = contactsTable,
): SQL {
  if (segment.kind === "static") {
    return sql`exists (select 1 from ${segmentMembers} where ${segmentMembers.workspaceId} = ${workspaceId}::uuid and ${segmentMembers.segmentId} = ${segment.id}::uuid and ${segmentMembers.contactId} = ${table.id})`;
  }
  return segment.condition ? sql`coalesce(${toSql(segment.condition, "contact", context, table)}, false)` : sql`false`;
}

async function loadSegments(ctx: Ctx, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .select({ id: segments.id, kind: segments.kind, condition: segments.condition })
    .from(segments)
    .where(and(eq(segments.workspaceId, ctx.workspaceId), inArray(segments.id, [...new Set(ids)])));
  if (rows.length !== new Set(ids).size) throw notFound("Segment");
  return rows;
}

/** The contacts list's `segment` filter: a predicate on the contacts table for one segment or list of the workspace. */
export async function segmentFilter(ctx: Ctx, segmentId: string | undefined): Promise<SQL | undefined> {
  if (!segmentId) return undefined;
  const [segment] = await loadSegments(ctx, [segmentId]);
  if (!segment) throw notFound("Segment");
  return memberPredicate(segment, await conditionContext(ctx), ctx.workspaceId);
}

export interface Audience {
  /** Segments and lists whose members are in (any of them). */
  include: readonly string[];
  /** Segments and lists whose members are left out, even when included. */
  exclude?: readonly string[];
}

/**
 * A predicate on the contacts table for an audience: in any included segment, in no excluded one, not in the
 * trash. For campaigns: `select id from contacts where workspace_id = $1 and <audiencePredicate>`; add the
 * suppression and consent predicates of the consent module beside it.
 */
export async function audiencePredicate(ctx: Ctx, audience: Audience, table = contactsTable): Promise<SQL> {
  if (audience.include.length === 0) throw new AppError("validation_failed", "Choose at least one segment or list", [{ path: "include", message: "Empty" }]);
  const context = await conditionContext(ctx);
  const rows = await loadSegments(ctx, [...audience.include, ...(audience.exclude ?? [])]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pred = (id: string) => memberPredicate(byId.get(id) as (typeof rows)[number], context, ctx.workspaceId, table);
  const include = sql.join(
    audience.include.map((id) => pred(id)),
    sql` or `,
  );
  const exclude = (audience.exclude ?? []).map((id) => sql` and not ${pred(id)}`);
  return sql`${table.workspaceId} = ${ctx.workspaceId}::uuid and ${table.deletedAt} is null and (${include})${sql.join(exclude, sql``)}`;
}

/** The audience's contact ids as a subquery (`... where contact_id in (<this>)`). */
export async function audienceContactIds(ctx: Ctx, audience: Audience): Promise<SQL> {
  return sql`select ${contactsTable.id} from ${contactsTable} where ${await audiencePredicate(ctx, audience)}`;
}
