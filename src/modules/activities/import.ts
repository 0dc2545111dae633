/** Timeline entries from an import: many per statement, bodies sanitised, lead scores refreshed once per batch. */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { ActivityType } from "../../contract/activities.js";
import type { Ctx } from "../../core/context.js";
import { sanitiseRichText } from "../../core/html.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { insertMany } from "../../db/insert-many.js";
import { recordChanges } from "../history/service.js";
import { rescoreContacts } from "../leads/scoring.js";
import { activities } from "./table.js";

export interface ActivityImport {
  type: ActivityType;
  subject: string | null;
  body: string | null;
  occurredAt: Date;
  details: Record<string, unknown>;
  contactId: string | null;
  companyId: string | null;
  dealId: string | null;
  /** The user the entry is by (the file's owner column); null leaves it to the importing user. */
  authorId: string | null;
}

const engagedContacts = (rows: { contactId: string | null }[]) => [...new Set(rows.map((r) => r.contactId).filter((x): x is string => Boolean(x)))];

/** Inserts the entries in the caller's transaction and returns their ids in input order. */
export async function importActivities(ctx: Ctx, rows: ActivityImport[]): Promise<string[]> {
  assertCan(ctx.actor, "write");
  if (rows.length === 0) return [];
  const now = new Date();
  const values = rows.map((r) => ({
    ...r,
    body: r.body ? sanitiseRichText(r.body) : null,
    authorId: r.authorId ?? ctx.actor.userId,
    workspaceId: ctx.workspaceId,
    id: newId(),
    createdAt: now,
  }));
  await insertMany(ctx.db, activities, values);
  await recordChanges(
    ctx.db,
    ctx,
    values.map((v) => ({
      object: "activity" as const,
      recordId: v.id,
      action: "create" as const,
      changes: [],
      payload: {
        id: v.id,
        type: v.type,
        subject: v.subject,
        body: v.body,
        occurredAt: v.occurredAt.toISOString(),
        details: v.details,
        contactId: v.contactId,
        companyId: v.companyId,
        dealId: v.dealId,
        authorId: v.authorId,
        attendees: [],
        createdAt: now.toISOString(),
      },
    })),
    { source: "import" },
  );
  const engaged = engagedContacts(rows);
  if (engaged.length) await rescoreContacts(ctx, engaged);
  return values.map((v) => v.id);
}

/** Moves imported entries to the trash (an import's undo) and refreshes the scores they counted in. */
export async function trashImportedActivities(ctx: Ctx, ids: string[]): Promise<number> {
  assertCan(ctx.actor, "write");
  if (ids.length === 0) return 0;
  const gone = await ctx.db
    .update(activities)
    .set({ deletedAt: new Date() })
    .where(and(eq(activities.workspaceId, ctx.workspaceId), inArray(activities.id, ids), isNull(activities.deletedAt)))
    .returning({ contactId: activities.contactId });
  const engaged = engagedContacts(gone);
  if (engaged.length) await rescoreContacts(ctx, engaged);
  return gone.length;
}

/** Which of these ids are live timeline entries. */
export async function existingActivityIds(ctx: Ctx, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db
    .select({ id: activities.id })
    .from(activities)
    .where(and(eq(activities.workspaceId, ctx.workspaceId), inArray(activities.id, [...new Set(ids)]), isNull(activities.deletedAt)));
  return new Set(rows.map((r) => r.id));
}
