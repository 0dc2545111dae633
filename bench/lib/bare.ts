// The baseline: a bare Fastify app on the same database connection (the server's own pool or PGlite
// instance), no plugins of ours — no auth, no zod, no Drizzle — whose handlers run the SQL that
// get-by-id and the first list page need. Our req/s ÷ its req/s is the overhead of everything else.
import Fastify, { type FastifyInstance } from "fastify";
import type { Database } from "../../src/db/client.js";
import { queryOnce } from "./db.js";

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
    const names = await queryOnce<{ id: string; name: string }>(database, "select id, name from companies where workspace_id = $1 and id = any($2::uuid[])", [
      workspaceId,
      ids,
    ]);
    return new Map(names.map((n) => [n.id, n.name]));
  };

  app.get<{ Params: { id: string } }>("/bare/contacts/:id", async (req, reply) => {
    const rows = await queryOnce<ContactRow>(database, "select * from contacts where workspace_id = $1 and id = $2", [workspaceId, req.params.id]);
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

  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, app };
}
