// The baseline: a bare Fastify app on the same database connection (the server's own pool or PGlite
// instance), no plugins of ours — no auth, no zod, no Drizzle — whose handlers run the SQL that
// get-by-id, the first list page, create and update need. Our req/s ÷ its req/s is the overhead of everything else.
// Statements the app prepares (src/db/prepared.ts: the contact by id, company names) are named prepared statements
// here too, so the ratio compares frameworks, not protocols.
import Fastify, { type FastifyInstance } from "fastify";
import { v7 } from "uuid";
import type { Database } from "../../src/db/client.js";
import { pgliteOf, queryOnce } from "./db.js";

type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/** BEGIN … COMMIT on one connection: a pooled pg client, or PGlite's own transaction. */
async function inTransaction<T>(database: Database, fn: (query: Query) => Promise<T>): Promise<T> {
  if (database.pool) {
    const client = await database.pool.connect();
    try {
      await client.query("begin");
      const out = await fn(async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[]);
      await client.query("commit");
      return out;
    } catch (e) {
      await client.query("rollback").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }
  return pgliteOf(database).transaction((tx) => fn(async <R>(text: string, params?: unknown[]) => (await tx.query<R>(text, params)).rows));
}

interface WriteBody {
  firstName?: string;
  lastName?: string;
  emails?: { email: string }[];
  phones?: { phone: string }[];
  companyId?: string;
  ownerId?: string;
  lifecycleStage?: string;
  jobTitle?: string;
  address?: Record<string, string>;
  tags?: string[];
  emailConsent?: boolean;
}

/** The columns a create or patch body sets, as the service stores them (phones taken as given: already E.164 in the bench's bodies). */
function columnsOf(b: WriteBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (b.firstName !== undefined) out.first_name = b.firstName;
  if (b.lastName !== undefined) out.last_name = b.lastName;
  if (b.jobTitle !== undefined) out.job_title = b.jobTitle;
  if (b.companyId !== undefined) out.company_id = b.companyId;
  if (b.ownerId !== undefined) out.owner_id = b.ownerId;
  if (b.lifecycleStage !== undefined) out.lifecycle_stage = b.lifecycleStage;
  if (b.address !== undefined) out.address = JSON.stringify(b.address);
  if (b.tags !== undefined) out.tags = [...new Set(b.tags)];
  if (b.emailConsent !== undefined) out.email_consent = b.emailConsent;
  if (b.emails) {
    out.emails = JSON.stringify(b.emails.map((e, i) => ({ ...e, primary: i === 0 })));
    out.email_list = b.emails.map((e) => e.email);
    out.primary_email = b.emails[0]?.email ?? null;
  }
  if (b.phones) {
    out.phones = JSON.stringify(b.phones.map((p, i) => ({ ...p, primary: i === 0 })));
    out.phone_list = b.phones.map((p) => p.phone);
    out.primary_phone = b.phones[0]?.phone ?? null;
  }
  return out;
}

const searchOf = (r: Record<string, unknown>) =>
  [r.first_name, r.last_name, ...((r.email_list as string[]) ?? []), ...((r.phone_list as string[]) ?? []), r.job_title]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();

interface ContactRow {
  id: string;
  company_id: string | null;
  [k: string]: unknown;
}

export async function startBare(database: Database, workspaceId: string): Promise<{ url: string; app: FastifyInstance }> {
  const app = Fastify({ logger: false });
  const companyNames = async (rows: ContactRow[]) => {
    const ids = [...new Set(rows.map((r) => r.company_id).filter((x): x is string => Boolean(x)))];
    if (ids.length === 0) return new Map<string, string>();
    const names = await queryOnce<{ id: string; name: string }>(
      database,
      "select id, name from companies where workspace_id = $1 and id = any($2::uuid[])",
      [workspaceId, ids],
      "bare_company_names",
    );
    return new Map(names.map((n) => [n.id, n.name]));
  };

  app.get<{ Params: { id: string } }>("/bare/contacts/:id", async (req, reply) => {
    const rows = await queryOnce<ContactRow>(
      database,
      "select * from contacts where workspace_id = $1 and id = $2",
      [workspaceId, req.params.id],
      "bare_contact_by_id",
    );
    const row = rows[0];
    if (!row) return reply.status(404).send({ status: 404 });
    const names = await companyNames(rows);
    return { ...row, companyName: row.company_id ? (names.get(row.company_id) ?? null) : null };
  });

  // The first page (or a later one) of contacts by -createdAt: the app's SQL (src/db/list-query.ts keyset()
  // for a NOT NULL column) without its transaction and custom-field lookup.
  app.get<{ Querystring: { limit?: string; cursor?: string } }>("/bare/contacts", async (req) => {
    const limit = Math.min(200, Number(req.query.limit ?? 50));
    const params: unknown[] = [workspaceId, limit + 1];
    let after = "";
    if (req.query.cursor) {
      const [v, id] = JSON.parse(Buffer.from(req.query.cursor, "base64url").toString("utf8")) as [string, string];
      params.push(v, id);
      after = "and (created_at, id) < ($3::timestamptz, $4::uuid)";
    }
    const rows = await queryOnce<ContactRow & { sort_value: string }>(
      database,
      `select *, created_at::text as sort_value from contacts
        where workspace_id = $1 and deleted_at is null ${after}
        order by created_at desc, id desc limit $2`,
      params,
    );
    const page = rows.slice(0, limit);
    const names = await companyNames(page);
    const last = page[page.length - 1];
    return {
      data: page.map((r) => ({ ...r, companyName: r.company_id ? (names.get(r.company_id) ?? null) : null })),
      nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.sort_value, last.id])).toString("base64url") : null,
    };
  });

  // Create: the same three writes as createContact (the contact, its history row and its outbox event) in one
  // transaction, then the company name — without the service's lookups (owner and company exist, custom
  // fields, validation, assignment and scoring rules) or zod.
  app.post<{ Body: WriteBody }>("/bare/contacts", async (req, reply) => {
    const now = new Date();
    const cols: Record<string, unknown> = { workspace_id: workspaceId, id: v7(), ...columnsOf(req.body), created_at: now, updated_at: now };
    cols.search_text = searchOf(cols);
    const row = await inTransaction(database, async (query) => {
      const names = Object.keys(cols);
      const [r] = await query<ContactRow>(
        `insert into contacts (${names.join(", ")}) values (${names.map((_, i) => `$${i + 1}`).join(", ")}) returning *`,
        Object.values(cols),
      );
      await writeHistory(query, "create", cols.id as string, r, now);
      return r as ContactRow;
    });
    const names = await companyNames([row]);
    return reply.status(201).send({ ...row, companyName: row.company_id ? (names.get(row.company_id) ?? null) : null });
  });

  // Update: read the current row, then the UPDATE … RETURNING, history and outbox writes in one transaction.
  app.patch<{ Params: { id: string }; Body: WriteBody }>("/bare/contacts/:id", async (req, reply) => {
    const [current] = await queryOnce<ContactRow>(
      database,
      "select * from contacts where workspace_id = $1 and id = $2",
      [workspaceId, req.params.id],
      "bare_contact_by_id",
    );
    if (!current) return reply.status(404).send({ status: 404 });
    const now = new Date();
    const set: Record<string, unknown> = { ...columnsOf(req.body), updated_at: now };
    set.search_text = searchOf({ ...current, ...set });
    const row = await inTransaction(database, async (query) => {
      const names = Object.keys(set);
      const [r] = await query<ContactRow>(
        `update contacts set ${names.map((n, i) => `${n} = $${i + 3}`).join(", ")} where workspace_id = $1 and id = $2 returning *`,
        [workspaceId, req.params.id, ...Object.values(set)],
      );
      await writeHistory(query, "update", req.params.id, r, now);
      return r as ContactRow;
    });
    const names = await companyNames([row]);
    return { ...row, companyName: row.company_id ? (names.get(row.company_id) ?? null) : null };
  });

  // The history row and the outbox event as one statement, as the app's recordChanges writes them.
  async function writeHistory(query: Query, action: string, recordId: string, record: unknown, now: Date) {
    const changes = JSON.stringify([{ field: "bench", from: null, to: action }]);
    await query(
      `with history as (
         insert into record_history (workspace_id, id, object, record_id, action, actor_id, actor_kind, changes, created_at)
         values ($1, $2, 'contact', $3, $4, null, 'user', $5, $6))
       insert into outbox_events (workspace_id, id, type, object, record_id, payload, created_at) values ($1, $7, $8, 'contact', $3, $9, $6)`,
      [workspaceId, v7(), recordId, action, changes, now, v7(), `contact.${action}`, JSON.stringify({ changes: JSON.parse(changes), record })],
    );
  }

  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, app };
}
