import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { csvRows, datasets, uploadOk, waitForImport, workerApp } from "../imports/testing.js";

const file = join(datasets, "support_tickets", "customer_support_tickets.csv");
const haveDataset = existsSync(file);
if (!haveDataset) console.warn(`Skipping the support-tickets import test: ${file} is absent (the shared datasets folder is not mounted).`);

const tally = (values: string[]) => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

describe.skipIf(!haveDataset).each(databaseKinds)("support tickets CSV import on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
    admin = await newWorkspace(t.app);
  });
  afterAll(() => t?.close());

  it("imports every row as a ticket with its customer, status, priority, channel and rating, matching the file", async () => {
    const content = readFileSync(file);
    const rows = csvRows(content);
    const analysis = await uploadOk(t, admin, "ticket", "customer_support_tickets.csv", content);
    const m = analysis.suggestion.mapping;
    // The wizard's suggestion maps the file's columns without help.
    expect(m).toMatchObject({
      "Ticket ID": "externalId",
      "Customer Name": "contactName",
      "Customer Email": "contactEmail",
      "Ticket Subject": "subject",
      "Ticket Description": "body",
      "Ticket Status": "status",
      "Ticket Priority": "priority",
      "Ticket Channel": "channel",
      "Ticket Type": "type",
      "First Response Time": "firstResponseTime",
      "Time to Resolution": "resolutionTime",
      "Customer Satisfaction Rating": "satisfaction",
    });
    const run = await admin.post(`/api/v1/imports/${analysis.import.id}/run`, { mapping: m, match: "externalId" });
    expect(run.statusCode, run.body).toBe(202);
    const job = await waitForImport(admin, analysis.import.id, 1_800_000);
    expect(job.status, job.error).toBe("completed");
    expect(job.counts.created).toBe(rows.length);
    expect(job.counts.rejected).toBe(0);

    const ws = admin.session.me?.workspace.id as string;
    const db = t.database.db;
    const counts = async (column: string) =>
      Object.fromEntries(
        (
          await queryRows<{ k: string; n: number }>(
            db,
            sql`select ${sql.raw(column)} as k, count(*)::int as n from tickets where workspace_id = ${ws}::uuid and deleted_at is null group by 1`,
          )
        ).map((r) => [r.k, r.n]),
      );
    const statusKey: Record<string, string> = { Open: "open", "Pending Customer Response": "pending_customer", Closed: "closed" };
    const priorityKey: Record<string, string> = { Low: "low", Medium: "normal", High: "high", Critical: "urgent" };
    const channelKey: Record<string, string> = { Email: "email", Phone: "phone", Chat: "chat", "Social media": "social" };
    const expected = (column: string, keys: Record<string, string>) => {
      const out: Record<string, number> = {};
      for (const [k, n] of Object.entries(tally(rows.map((r) => r[column] as string)))) out[keys[k] ?? k] = n;
      return out;
    };
    expect(await counts("status")).toEqual(expected("Ticket Status", statusKey));
    expect(await counts("priority")).toEqual(expected("Ticket Priority", priorityKey));
    expect(await counts("channel")).toEqual(expected("Ticket Channel", channelKey));
    expect(await counts("type")).toEqual(tally(rows.map((r) => r["Ticket Type"] as string)));

    const ratings = rows.map((r) => r["Customer Satisfaction Rating"]).filter((x): x is string => Boolean(x));
    const [stats] = await queryRows<{ rated: number; avg: string }>(
      db,
      sql`select count(satisfaction)::int as rated, avg(satisfaction)::numeric(10, 6)::text as avg from tickets where workspace_id = ${ws}::uuid`,
    );
    expect(stats?.rated).toBe(ratings.length);
    expect(Number(stats?.avg)).toBeCloseTo(ratings.reduce((s, r) => s + Number(r), 0) / ratings.length, 5);

    // One contact per distinct email, each ticket on its customer, the description as the first message.
    const emails = new Set(rows.map((r) => (r["Customer Email"] as string).toLowerCase()));
    const [people] = await queryRows<{ contacts: number; linked: number; messages: number; responded: number; resolved: number }>(
      db,
      sql`select (select count(*)::int from contacts where workspace_id = ${ws}::uuid) as contacts,
                 (select count(*)::int from tickets where workspace_id = ${ws}::uuid and contact_id is not null) as linked,
                 (select count(*)::int from ticket_messages where workspace_id = ${ws}::uuid) as messages,
                 (select count(first_response_at)::int from tickets where workspace_id = ${ws}::uuid) as responded,
                 (select count(solved_at)::int from tickets where workspace_id = ${ws}::uuid and status = 'closed') as resolved`,
    );
    expect(people).toEqual({
      contacts: emails.size,
      linked: rows.length,
      messages: rows.filter((r) => r["Ticket Description"]).length,
      responded: rows.filter((r) => r["First Response Time"]).length,
      resolved: rows.filter((r) => r["Ticket Status"] === "Closed").length,
    });
    // Multi-line quoted descriptions arrive whole.
    const multi = rows.find((r) => (r["Ticket Description"] as string).includes("\n")) as Record<string, string>;
    const [stored] = await queryRows<{ body: string }>(
      db,
      sql`select m.body_text as body from ticket_messages m join tickets t on t.workspace_id = m.workspace_id and t.id = m.ticket_id
           where t.workspace_id = ${ws}::uuid and t.subject = ${multi["Ticket Subject"]} and m.body_text = ${multi["Ticket Description"]} limit 1`,
    );
    expect(stored?.body).toBe(multi["Ticket Description"]);

    // Undo removes the tickets and the contacts the import added.
    const undo = await admin.post(`/api/v1/imports/${analysis.import.id}/undo`, {});
    expect(undo.statusCode, undo.body).toBeLessThan(300);
    const after = await waitForImport(admin, analysis.import.id, 600_000);
    expect(after.status).toBe("undone");
    expect(await counts("status")).toEqual({});
  });
});
