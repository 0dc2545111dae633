import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Condition } from "../../contract/conditions.js";
import type { CreateSegmentBody, Segment, SegmentKind, SegmentMemberSource, UpdateSegmentBody } from "../../contract/segments.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { visibleWhere } from "../../db/visibility.js";
import { assertValidCondition, type ConditionContext, conditionContext, toSql } from "../conditions/service.js";
import { tableOf } from "../conditions/sources.js";
import { contactNames } from "../contacts/service.js";
import { diff, recordChanges } from "../history/service.js";
import { assertAudienceManage, assertAudienceRead } from "./access.js";
import { memberPredicate } from "./public.js";
import { segmentMembers, segments } from "./table.js";

type Row = typeof segments.$inferSelect;
const FIELDS = ["name", "description", "kind", "condition"] as const;
const contacts = tableOf.contact;

/** How many live contacts the actor can see match a predicate: one count, the planner's indexes, nothing loaded. */
async function countWhere(ctx: Ctx, predicate: ReturnType<typeof sql>): Promise<number> {
  const visible = visibleWhere(ctx, "contact", "read", contacts.ownerId, contacts.id);
  const [row] = await queryRows<{ n: number }>(
    ctx.db,
    sql`select count(*)::int as n from ${contacts} where ${contacts.workspaceId} = ${ctx.workspaceId}::uuid and ${contacts.deletedAt} is null and ${predicate}${visible ? sql` and ${visible}` : sql``}`,
  );
  return Number(row?.n ?? 0);
}

const toSegment = (r: Row, count: number): Segment => ({
  id: r.id,
  name: r.name,
  description: r.description,
  kind: r.kind,
  condition: r.condition ?? null,
  count,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

async function countOf(ctx: Ctx, r: Row, context: ConditionContext): Promise<number> {
  return countWhere(ctx, memberPredicate(r, context, ctx.workspaceId));
}

async function findRow(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(segments)
    .where(and(eq(segments.workspaceId, ctx.workspaceId), eq(segments.id, id)));
  if (!row) throw notFound("Segment");
  return row;
}

export async function listSegments(ctx: Ctx): Promise<Segment[]> {
  assertAudienceRead(ctx);
  const rows = await ctx.db
    .select()
    .from(segments)
    .where(eq(segments.workspaceId, ctx.workspaceId))
    .orderBy(asc(sql`lower(${segments.name})`));
  const context = await conditionContext(ctx);
  const out: Segment[] = [];
  // One count per segment: a workspace keeps tens of segments, each an indexed count.
  for (const r of rows) out.push(toSegment(r, await countOf(ctx, r, context)));
  return out;
}

export async function getSegment(ctx: Ctx, id: string): Promise<Segment> {
  assertAudienceRead(ctx);
  const row = await findRow(ctx, id);
  return toSegment(row, await countOf(ctx, row, await conditionContext(ctx)));
}

/** The count of an unsaved condition, for the editor's live count. */
export async function previewSegment(ctx: Ctx, condition: Condition): Promise<number> {
  assertAudienceRead(ctx);
  const context = await conditionContext(ctx);
  assertValidCondition(condition, "contact", context.registry, { path: "condition" });
  return countWhere(ctx, sql`coalesce(${toSql(condition, "contact", context)}, false)`);
}

async function assertNameFree(ctx: Ctx, name: string, except?: string) {
  const [clash] = await ctx.db
    .select({ id: segments.id })
    .from(segments)
    .where(and(eq(segments.workspaceId, ctx.workspaceId), sql`lower(${segments.name}) = ${name.toLowerCase()}`));
  if (clash && clash.id !== except)
    throw new AppError("conflict", `There is already a segment named "${name}"`, [{ path: "name", message: "This name is taken" }]);
}

function checkCondition(kind: SegmentKind, condition: Condition | undefined, context: ConditionContext): Condition | null {
  if (kind === "static") {
    if (condition) throw new AppError("validation_failed", "A static list has members, not a condition", [{ path: "condition", message: "Not for a list" }]);
    return null;
  }
  if (!condition) throw new AppError("validation_failed", "A dynamic segment needs a condition", [{ path: "condition", message: "Give a condition" }]);
  assertValidCondition(condition, "contact", context.registry, { path: "condition" });
  return condition;
}

export async function createSegment(ctx: Ctx, body: CreateSegmentBody): Promise<Segment> {
  assertAudienceManage(ctx);
  await assertNameFree(ctx, body.name);
  const context = await conditionContext(ctx);
  const condition = checkCondition(body.kind, body.condition, context);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(segments)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: body.name,
        description: body.description ?? "",
        kind: body.kind,
        condition,
        createdById: ctx.actor.kind === "user" ? ctx.actor.userId : null,
      })
      .returning();
    const created = r as Row;
    await recordChanges(tx, ctx, [
      { object: "segment", recordId: created.id, action: "create", changes: diff(null, created, FIELDS), payload: summary(created) },
    ]);
    return created;
  });
  return toSegment(row, await countOf(ctx, row, context));
}

const summary = (r: Row) => ({ id: r.id, name: r.name, kind: r.kind, condition: r.condition ?? null });

export async function updateSegment(ctx: Ctx, id: string, body: UpdateSegmentBody): Promise<Segment> {
  assertAudienceManage(ctx);
  const before = await findRow(ctx, id);
  if (body.name) await assertNameFree(ctx, body.name, id);
  const context = await conditionContext(ctx);
  const condition = body.condition === undefined ? undefined : checkCondition(before.kind, body.condition, context);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(segments)
      .set({
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(condition !== undefined ? { condition } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(segments.workspaceId, ctx.workspaceId), eq(segments.id, id)))
      .returning();
    const updated = r as Row;
    await recordChanges(tx, ctx, [{ object: "segment", recordId: id, action: "update", changes: diff(before, updated, FIELDS), payload: summary(updated) }]);
    return updated;
  });
  return toSegment(row, await countOf(ctx, row, context));
}

export async function deleteSegment(ctx: Ctx, id: string): Promise<void> {
  assertAudienceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(segments)
      .where(and(eq(segments.workspaceId, ctx.workspaceId), eq(segments.id, id)))
      .returning();
    if (!row) throw notFound("Segment");
    await recordChanges(tx, ctx, [{ object: "segment", recordId: id, action: "delete", changes: [], payload: summary(row) }]);
  });
}

async function staticList(ctx: Ctx, id: string): Promise<Row> {
  const row = await findRow(ctx, id);
  if (row.kind !== "static")
    throw new AppError("validation_failed", `"${row.name}" is a dynamic segment: its members follow its condition`, [
      { path: "id", message: "Not a static list" },
    ]);
  return row;
}

/** Adds contacts to a static list; ones already on it stay as they were. Unknown or trashed ids are refused. */
export async function addMembers(ctx: Ctx, id: string, contactIds: string[], source: SegmentMemberSource = "manual"): Promise<number> {
  assertAudienceManage(ctx);
  await staticList(ctx, id);
  const unique = [...new Set(contactIds)];
  const known = await contactNames(ctx, unique);
  const missing = unique.filter((c) => !known.has(c));
  if (missing.length)
    throw new AppError("validation_failed", `${missing.length} of the contacts do not exist in this workspace`, [
      { path: "contactIds", message: `Unknown: ${missing.slice(0, 5).join(", ")}` },
    ]);
  const added = await ctx.db
    .insert(segmentMembers)
    .values(unique.map((contactId) => ({ workspaceId: ctx.workspaceId, segmentId: id, contactId, source })))
    .onConflictDoNothing()
    .returning({ contactId: segmentMembers.contactId });
  await touch(ctx, id);
  return added.length;
}

export async function removeMembers(ctx: Ctx, id: string, contactIds: string[]): Promise<number> {
  assertAudienceManage(ctx);
  await staticList(ctx, id);
  const removed = await ctx.db
    .delete(segmentMembers)
    .where(and(eq(segmentMembers.workspaceId, ctx.workspaceId), eq(segmentMembers.segmentId, id), inArray(segmentMembers.contactId, [...new Set(contactIds)])))
    .returning({ contactId: segmentMembers.contactId });
  await touch(ctx, id);
  return removed.length;
}

async function touch(ctx: Ctx, id: string) {
  await ctx.db
    .update(segments)
    .set({ updatedAt: new Date() })
    .where(and(eq(segments.workspaceId, ctx.workspaceId), eq(segments.id, id)));
}

/** The static lists a contact is on and the dynamic segments it matches now: one query for all of them. */
export async function segmentsOfContact(ctx: Ctx, contactId: string): Promise<{ id: string; name: string; kind: SegmentKind }[]> {
  assertAudienceRead(ctx);
  const rows = await ctx.db
    .select()
    .from(segments)
    .where(eq(segments.workspaceId, ctx.workspaceId))
    .orderBy(asc(sql`lower(${segments.name})`));
  if (rows.length === 0) return [];
  const context = await conditionContext(ctx);
  const columns = sql.join(
    rows.map((r, i) => sql`${memberPredicate(r, context, ctx.workspaceId)} as ${sql.identifier(`s${i}`)}`),
    sql`, `,
  );
  const [hit] = await queryRows<Record<string, boolean>>(
    ctx.db,
    sql`select ${columns} from ${contacts} where ${contacts.workspaceId} = ${ctx.workspaceId}::uuid and ${contacts.id} = ${contactId}::uuid`,
  );
  if (!hit) throw notFound("Contact");
  return rows.filter((_, i) => hit[`s${i}`] === true).map((r) => ({ id: r.id, name: r.name, kind: r.kind }));
}
