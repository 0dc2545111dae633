import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import type { AccessObject } from "../contract/roles.js";
import { accessOf, ownerAllows, type RecordAction, scopeOf } from "../core/access.js";
import type { Ctx } from "../core/context.js";
import { AppError, notFound } from "../core/errors.js";
import { queryRows } from "./client.js";

/** Objects a record can be shared beyond the rule on (record_shares, src/modules/roles/table.ts). */
const shareable = new Set<AccessObject>(["contact", "company", "deal"]);

/**
 * The ids of records shared with the actor or one of their teams. Raw SQL by table name: record_shares belongs to
 * the roles module, and db/ never imports a module. Served by record_shares_grantee_idx (workspace, object, user|team).
 */
function sharedIds(ctx: Ctx, object: AccessObject, action: RecordAction): SQL | undefined {
  if (!shareable.has(object) || action === "delete" || !ctx.actor.userId) return undefined;
  const { teamIds } = accessOf(ctx.actor);
  const grantee = teamIds.length
    ? sql`(user_id = ${ctx.actor.userId}::uuid or team_id in (${sql.join(
        teamIds.map((t) => sql`${t}::uuid`),
        sql`, `,
      )}))`
    : sql`user_id = ${ctx.actor.userId}::uuid`;
  const level = action === "edit" ? sql` and level = 'edit'` : sql``;
  return sql`(select record_id from record_shares where workspace_id = ${ctx.workspaceId}::uuid and object = ${object} and ${grantee}${level})`;
}

/**
 * The one place record visibility becomes SQL: what every list, search, export, report and board query of an object
 * adds to its WHERE. Undefined when the role reaches every record. An indexable predicate on the owner column
 * (`owner_id = me`, `owner_id in (team)`), or'ed with the ids shared with the actor; no per-row function.
 */
export function visibleWhere(ctx: Ctx, object: AccessObject, action: RecordAction, owner: AnyColumn | SQL, id?: AnyColumn | SQL): SQL | undefined {
  const scope = scopeOf(ctx.actor, object, action);
  if (scope === "all") return undefined;
  let rule: SQL | undefined;
  if (scope === "own" && ctx.actor.userId) rule = sql`${owner} = ${ctx.actor.userId}::uuid`;
  if (scope === "team") {
    const ids = accessOf(ctx.actor).teammateIds;
    if (ids.length)
      rule = sql`${owner} in (${sql.join(
        ids.map((u) => sql`${u}::uuid`),
        sql`, `,
      )})`;
  }
  const shared = id ? sharedIds(ctx, object, action) : undefined;
  if (rule && shared) return sql`(${rule} or ${id} in ${shared})`;
  if (rule) return rule;
  if (shared) return sql`${id} in ${shared}`;
  return sql`false`;
}

/** Whether the actor may act on one record: its owner against the rule, else a share. */
export async function mayAccess(ctx: Ctx, object: AccessObject, action: RecordAction, record: { id: string; ownerId: string | null }): Promise<boolean> {
  if (ownerAllows(ctx.actor, scopeOf(ctx.actor, object, action), record.ownerId)) return true;
  const shared = sharedIds(ctx, object, action);
  if (!shared) return false;
  return (await queryRows(ctx.db, sql`select 1 as hit where ${record.id}::uuid in ${shared}`)).length > 0;
}

const objectNames: Record<AccessObject, string> = {
  contact: "Contact",
  company: "Company",
  deal: "Deal",
  task: "Task",
  activity: "Activity",
  product: "Product",
  import: "Import",
  ticket: "Ticket",
  article: "Article",
  segment: "Segment",
  sequence: "Sequence",
  campaign: "Campaign",
};

/**
 * Refuses a record the actor may not act on: 404 when they may not even read it (its existence is not theirs to
 * learn), 403 when they see it but their role does not let them change or delete it.
 */
export async function assertAccess(ctx: Ctx, object: AccessObject, action: RecordAction, record: { id: string; ownerId: string | null }): Promise<void> {
  if (await mayAccess(ctx, object, action, record)) return;
  if (action !== "read" && (await mayAccess(ctx, object, "read", record))) {
    const verb = action === "edit" ? "change" : "delete";
    throw new AppError("forbidden", `Your role (${ctx.actor.role.replaceAll("_", "-")}) cannot ${verb} this ${objectNames[object].toLowerCase()}.`);
  }
  throw notFound(objectNames[object]);
}
