import { sql } from "drizzle-orm";
import type { Db } from "./types.js";

/** A column that points at a record through a composite `(workspace_id, id)` foreign key (migration 0027). */
export interface Reference {
  /** The referencing table and column, as in SQL. */
  table: string;
  column: string;
  /** The foreign key's name, for messages and tests. */
  constraint: string;
  /**
   * The other columns of each unique key (primary key or unique index) of the referencing table that holds the column:
   * re-pointing a row from one record to another collides where a row with the same values already points at the
   * other record.
   */
  uniqueWith: string[][];
}

// The catalog answers the same for the process's lifetime (migrations run before anything reads it): asked once per
// referenced table, not once per merge.
const cache = new Map<string, Promise<Reference[]>>();

/**
 * Every column of this schema that references `table` by a composite `(workspace_id, id)` foreign key, read from the
 * database's own constraints: a new table that references contacts is found without a list to keep up to date.
 */
export function referencesTo(db: Db, table: string): Promise<Reference[]> {
  let answer = cache.get(table);
  if (!answer) {
    answer = readReferences(db, table);
    answer.catch(() => cache.delete(table));
    cache.set(table, answer);
  }
  return answer;
}

/** Tests that add a referencing table at run time read the catalog again. */
export function forgetReferences(): void {
  cache.clear();
}

async function readReferences(db: Db, table: string): Promise<Reference[]> {
  const result = (await db.execute(sql`
    with fk as (
      select c.conname::text as constraint_name, c.conrelid, cl.relname::text as table_name,
             c.conkey, (select array_agg(a.attname::text order by k.ord)
                          from unnest(c.conkey) with ordinality k(num, ord)
                          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.num) as columns,
             (select array_agg(a.attname::text order by k.ord)
                from unnest(c.confkey) with ordinality k(num, ord)
                join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.num) as target_columns
        from pg_constraint c
        join pg_class cl on cl.oid = c.conrelid
        join pg_class target on target.oid = c.confrelid
       where c.contype = 'f' and target.relname = ${table}
         and target.relnamespace = current_schema()::regnamespace and cl.relnamespace = current_schema()::regnamespace
    )
    select fk.constraint_name, fk.table_name, fk.columns[2] as column_name,
           coalesce((select json_agg((select array_agg(a.attname::text order by a.attname)
                                        from unnest(i.indkey::int2[]) k(num)
                                        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.num
                                       where a.attname::text not in ('workspace_id', fk.columns[2])))
                       from pg_index i
                      where i.indrelid = fk.conrelid and i.indisunique and i.indpred is null and i.indexprs is null
                        and fk.conkey[2] = any (i.indkey::int2[])), '[]'::json) as unique_with
      from fk
     where fk.columns = array['workspace_id', fk.columns[2]] and fk.target_columns = array['workspace_id', 'id']
     order by fk.table_name, column_name
  `)) as unknown as {
    rows: { constraint_name: string; table_name: string; column_name: string; unique_with: (string[] | null)[] | string }[];
  };
  return result.rows.map((r) => {
    // PGlite hands json back parsed, node-postgres too; a driver that leaves it as text is read here.
    const unique = (typeof r.unique_with === "string" ? JSON.parse(r.unique_with) : r.unique_with) as (string[] | null)[];
    return { table: r.table_name, column: r.column_name, constraint: r.constraint_name, uniqueWith: unique.map((u) => u ?? []) };
  });
}

/**
 * Moves every row of a reference from one record to another of the same workspace, in the caller's transaction. Where a
 * unique key would then hold two rows (both records were on the same thing), the row already pointing at `toId` stays
 * and the other goes, as a merge's own handlers do. Returns how many rows now point at `toId` instead.
 */
export async function repoint(db: Db, workspaceId: string, ref: Reference, fromId: string, toId: string): Promise<number> {
  const table = sql.identifier(ref.table);
  const column = sql.identifier(ref.column);
  for (const others of ref.uniqueWith) {
    const same = others.map((c) => sql` and s.${sql.identifier(c)} = l.${sql.identifier(c)}`);
    await db.execute(
      sql`delete from ${table} l where l.workspace_id = ${workspaceId} and l.${column} = ${fromId}
            and exists (select 1 from ${table} s where s.workspace_id = l.workspace_id and s.${column} = ${toId}${sql.join(same)})`,
    );
  }
  const moved = (await db.execute(
    sql`update ${table} set ${column} = ${toId} where workspace_id = ${workspaceId} and ${column} = ${fromId} returning 1 as one`,
  )) as unknown as { rows: unknown[] };
  return moved.rows.length;
}
