import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./types.js";

/**
 * What makes a transaction one workspace's, for the row-level security policies of migration 0023: the workspace's
 * id in `app.workspace_id`, and, when the connection's user skips policies (a superuser, as in development and
 * tests), the role rapport_app for the rest of the transaction, which does not. Both end with the transaction.
 */
export const workspaceScope = (workspaceId: string, switchRole: boolean): SQL =>
  switchRole
    ? sql`select set_config('app.workspace_id', ${workspaceId}, true), set_config('role', 'rapport_app', true)`
    : sql`select set_config('app.workspace_id', ${workspaceId}, true)`;

// Whether this database's transactions must switch role: asked once per handle, as a catalog lookup in every
// transaction cost 3.5 ms on PGlite (bench/row-security.ts).
const roleSwitch = new WeakMap<Db, Promise<boolean>>();
function needsRoleSwitch(root: Db): Promise<boolean> {
  let answer = roleSwitch.get(root);
  if (!answer) {
    answer = (
      root.execute(
        sql`select (exists (select 1 from pg_roles where rolname = 'rapport_app') and exists (select 1 from pg_roles u where u.rolname = current_user and (u.rolsuper or u.rolbypassrls)))::int as switch`,
      ) as unknown as Promise<{ rows: { switch: number }[] }>
    ).then((r) => Number(r.rows[0]?.switch) === 1);
    answer.catch(() => roleSwitch.delete(root));
    roleSwitch.set(root, answer);
  }
  return answer;
}

const roots = new WeakMap<object, Db>();

/**
 * The database handle behind a workspace-scoped one: what per-handle caches (prepared statements, the workspace
 * configuration cache) are keyed by, so a request's scoped handle shares them with every other request.
 */
export const rootDb = (db: Db): Db => roots.get(db) ?? db;

/**
 * A request's database handle: the same as `db`, except that every transaction it opens states its workspace first
 * (one statement), so the row-level security policies hold each of those transactions to the workspace whatever its
 * queries say. Statements outside a transaction are not scoped (they run on any pooled connection; the setting is
 * per transaction), and neither are other handles' transactions: jobs, sign-in and maintenance that read across
 * workspaces use the plain handle.
 */
export function scopedToWorkspace(db: Db, workspaceId: string): Db {
  const root = rootDb(db);
  const scoped = new Proxy(root, {
    get(target, prop) {
      if (prop === "transaction") {
        return async (fn: (tx: Db) => Promise<unknown>, config?: unknown) => {
          const switchRole = await needsRoleSwitch(target);
          return target.transaction(
            async (tx) => {
              await tx.execute(workspaceScope(workspaceId, switchRole));
              return fn(tx as unknown as Db);
            },
            config as Parameters<Db["transaction"]>[1],
          );
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  roots.set(scoped, root);
  return scoped;
}
