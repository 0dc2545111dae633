import { sql } from "drizzle-orm";
import type { ActivityType } from "../../contract/activities.js";
import type { Ctx } from "../../core/context.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { visibleWhere } from "../../db/visibility.js";
import { userNames } from "../users/service.js";

export interface RecentEntry {
  id: string;
  type: ActivityType;
  subject: string | null;
  occurredAt: string;
  authorName: string | null;
  record: { object: "contact" | "company" | "deal"; id: string; name: string };
}

/**
 * What others logged lately on the records a user owns (their deals, contacts and companies): the home page's
 * "recent activity on my records". Driven from the user's records (owner indexes) into each record's activities by
 * time (the per-record activity indexes); an entry on several of them is shown once, on the most specific record.
 */
export async function recentOnOwnedRecords(ctx: Ctx, userId: string, since: Date, now: Date, limit = 20): Promise<RecentEntry[]> {
  assertCan(ctx.actor, "read");
  const ws = sql`${ctx.workspaceId}::uuid`;
  const window = sql`a.deleted_at is null and a.occurred_at >= ${since.toISOString()}::timestamptz and a.occurred_at <= ${now.toISOString()}::timestamptz
                     and a.author_id is distinct from ${userId}::uuid`;
  const visible = visibleWhere(ctx, "activity", "read", sql`a.author_id`);
  const rows = await queryRows<{
    id: string;
    type: ActivityType;
    subject: string | null;
    occurred_ms: number;
    author_id: string | null;
    object: "contact" | "company" | "deal";
    record_id: string;
    record_name: string | null;
  }>(
    ctx.db,
    sql`select distinct on (x.occurred_at, x.id) x.id, x.type, x.subject, (extract(epoch from x.occurred_at) * 1000)::float8 as occurred_ms, x.author_id, x.object, x.record_id, x.record_name from (
          select a.id, a.type, a.subject, a.occurred_at, a.author_id, 'deal' as object, d.id as record_id, d.name as record_name, 1 as rank
          from deals d join activities a on a.workspace_id = d.workspace_id and a.deal_id = d.id
          where d.workspace_id = ${ws} and d.owner_id = ${userId}::uuid and d.deleted_at is null and ${window}
          union all
          select a.id, a.type, a.subject, a.occurred_at, a.author_id, 'contact', c.id, nullif(trim(c.first_name || ' ' || c.last_name), ''), 2
          from contacts c join activities a on a.workspace_id = c.workspace_id and a.contact_id = c.id
          where c.workspace_id = ${ws} and c.owner_id = ${userId}::uuid and c.deleted_at is null and ${window}
          union all
          select a.id, a.type, a.subject, a.occurred_at, a.author_id, 'company', co.id, co.name, 3
          from companies co join activities a on a.workspace_id = co.workspace_id and a.company_id = co.id
          where co.workspace_id = ${ws} and co.owner_id = ${userId}::uuid and co.deleted_at is null and ${window}
        ) x
        join activities a on a.workspace_id = ${ws} and a.id = x.id
        ${visible ? sql`where ${visible}` : sql``}
        order by x.occurred_at desc, x.id, x.rank
        limit ${limit}`,
  );
  const names = await userNames(
    ctx,
    rows.flatMap((r) => (r.author_id ? [r.author_id] : [])),
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    subject: r.subject,
    occurredAt: new Date(Number(r.occurred_ms)).toISOString(),
    authorName: r.author_id ? (names.get(r.author_id) ?? null) : null,
    record: { object: r.object, id: r.record_id, name: r.record_name ?? "Unnamed" },
  }));
}
