import { sql } from "drizzle-orm";
import type { Db } from "./client.js";

/**
 * Tables whose every row is derived from other tables by triggers (migrations 0004 and 0011): the deal roll-ups
 * the board, the pipeline report and the forecast read. Backups leave them out; a restore rebuilds them as the
 * triggers see the deals and stage changes go back in (writing them from the archive as well would count twice).
 */
export const derivedTables: ReadonlySet<string> = new Set(["deal_stage_totals", "deal_stage_flow", "deal_forecast_months"]);

/**
 * Recomputes contacts.stray_activity_at (migration 0010) from the activities, for one workspace or all. A restore
 * ends with this: its archive may predate the column, and it writes activities before the contacts they belong to.
 */
export async function recomputeStrayActivity(db: Db, workspaceId?: string): Promise<void> {
  const scope = workspaceId ? sql`and k.workspace_id = ${workspaceId}::uuid` : sql``;
  await db.execute(sql`
    update contacts c set stray_activity_at = r.at
      from (select k.workspace_id, k.id,
                   (select max(a.occurred_at) from activities a
                     where a.workspace_id = k.workspace_id and a.contact_id = k.id and a.deleted_at is null
                       and a.company_id is distinct from k.company_id) as at
              from contacts k where true ${scope}) r
     where c.workspace_id = r.workspace_id and c.id = r.id and c.stray_activity_at is distinct from r.at`);
}
