import { sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { derivedTables } from "./derived.js";

/**
 * Tables a bulk load changed a lot, and the trigger-kept tables that grow with them (the search vocabulary, the deal
 * roll-ups). PGlite has no autovacuum, so after an import nothing would ever refresh their planner statistics: at
 * 100k contacts, typo searches planned without statistics for search_words took 0.4–3 s instead of 30–90 ms. On
 * PostgreSQL autovacuum would get there eventually; doing it at once costs a sample of each table (about a second
 * at a million rows). A table the connection does not own is skipped with a warning, not an error.
 */
const AFTER_BULK_LOAD = ["contacts", "companies", "deals", "activities", "tasks", "search_words", ...derivedTables];

export async function refreshStatistics(db: Db): Promise<void> {
  await db.execute(sql.raw(`analyze ${AFTER_BULK_LOAD.join(", ")}`));
}
