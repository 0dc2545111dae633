import { sql } from "drizzle-orm";
import type { Db } from "./client.js";
import { derivedTables } from "./derived.js";

/** What a bulk load of each kind of record writes to, and so leaves with stale planner statistics. */
const LOADED_BY = {
  contact: ["contacts", "companies", "search_words"],
  company: ["companies", "search_words"],
  deal: ["deals", "deal_stage_changes", "companies", "search_words", ...derivedTables],
  activity: ["activities", "tasks", "contacts"],
  ticket: ["tickets", "ticket_messages", "contacts"],
} as const;

/**
 * Tables a bulk load changed a lot, and the trigger-kept tables that grow with them (the search vocabulary, the deal
 * roll-ups). PGlite has no autovacuum, so after an import nothing would ever refresh their planner statistics: at
 * 100k contacts, typo searches planned without statistics for search_words took 0.4–3 s instead of 30–90 ms. On
 * PostgreSQL autovacuum would get there eventually; doing it at once costs a sample of each table (a second or so
 * per table at a million rows, so only the tables this kind of load wrote to: all of them took 3.2 s after a
 * contacts import on the 1m bench database).
 */
export async function refreshStatistics(db: Db, loaded: keyof typeof LOADED_BY): Promise<void> {
  await db.execute(sql.raw(`analyze ${LOADED_BY[loaded].join(", ")}`));
}
