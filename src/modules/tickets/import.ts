/** Tickets from an import: many per statement, their customers found or added by email, history for each. */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { TicketChannel, TicketPriority } from "../../contract/tickets.js";
import type { Ctx } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { assertMayCreate } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { insertMany } from "../../db/insert-many.js";
import { searchText } from "../../db/record-filters.js";
import { contactCompanyIds, contactIdsByEmail, importContacts } from "../contacts/service.js";
import { diff, recordChanges } from "../history/service.js";
import { statusRows } from "./statuses.js";
import { ticketMessages, tickets } from "./table.js";

export interface TicketImport {
  subject: string;
  body: string | null;
  /** A status key of the workspace (the import resolves labels to keys). */
  status: string;
  priority: TicketPriority;
  type: string | null;
  channel: TicketChannel;
  contactEmail: string | null;
  contactName: string | null;
  assigneeId?: string;
  tags: string[];
  satisfaction: number | null;
  createdAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  /** How long after opening the first response and the resolution came, when the file gives durations. */
  firstResponseSeconds?: number | null;
  resolutionSeconds?: number | null;
}

const HISTORY_FIELDS = ["subject", "status", "priority", "type", "channel", "assigneeId", "contactId", "companyId", "tags", "satisfaction"] as const;

function splitName(full: string | null): { firstName: string; lastName: string } {
  const s = (full ?? "").trim().replace(/\s+/g, " ");
  const i = s.lastIndexOf(" ");
  return i < 0 ? { firstName: s, lastName: "" } : { firstName: s.slice(0, i), lastName: s.slice(i + 1) };
}

/**
 * A row's opening, first response and resolution. Moments the file gives win; durations count from the opening. A
 * file with durations but no opening time (the support-tickets dataset) places the ticket so that its last known
 * moment is the import: opened that long before it, so response and resolution times are the file's, none in the future.
 */
function momentsOf(r: TicketImport, ended: boolean, now: Date): { createdAt: Date; firstResponseAt: Date | null; resolvedAt: Date | null } {
  const frt = r.firstResponseSeconds ?? null;
  const ttr = ended ? (r.resolutionSeconds ?? null) : null;
  const createdAt = r.createdAt ?? new Date(now.getTime() - Math.max(frt ?? 0, ttr ?? 0) * 1000);
  const after = (secs: number | null) => (secs === null ? null : new Date(createdAt.getTime() + secs * 1000));
  return { createdAt, firstResponseAt: r.firstResponseAt ?? after(frt), resolvedAt: r.resolvedAt ?? after(ttr) };
}

/**
 * Inserts the tickets in the caller's transaction, numbered in file order, each with its description as the customer's
 * first message. Customers are found by email, or added as contacts (one per email, however many rows name it).
 * Returns the tickets' ids in input order (null for a row that failed) and the contacts it added.
 */
export async function importTickets(ctx: Ctx, rows: TicketImport[]): Promise<{ ids: (string | null)[]; createdContacts: { id: string; index: number }[] }> {
  assertMayCreate(ctx.actor, "ticket");
  if (rows.length === 0) return { ids: [], createdContacts: [] };
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const emails = [...new Set(rows.flatMap((r) => (r.contactEmail ? [r.contactEmail.toLowerCase()] : [])))];
  const known = await contactIdsByEmail(ctx, emails);
  const missing = emails.filter((e) => !known.has(e));
  const createdContacts: { id: string; index: number }[] = [];
  if (missing.length) {
    const nameOf = new Map<string, string | null>();
    for (const r of rows) if (r.contactEmail && !nameOf.has(r.contactEmail.toLowerCase())) nameOf.set(r.contactEmail.toLowerCase(), r.contactName);
    const made = await importContacts(
      ctx,
      missing.map((email) => ({ ...splitName(nameOf.get(email) ?? null), emails: [{ email, primary: true }], lifecycleStage: "customer" as const })),
    );
    missing.forEach((email, i) => {
      const id = made.ids[i];
      if (id) {
        known.set(email, id);
        createdContacts.push({ id, index: rows.findIndex((r) => r.contactEmail?.toLowerCase() === email) });
      }
    });
  }
  const companies = await contactCompanyIds(ctx, [...known.values()]);
  // Numbers for the whole batch in one statement: the counter moves by the batch's size.
  const [counter] = await queryRows<{ last_number: number }>(
    ctx.db,
    sql`insert into ticket_counters (workspace_id, last_number) values (${ctx.workspaceId}::uuid, ${rows.length})
        on conflict (workspace_id) do update set last_number = ticket_counters.last_number + ${rows.length}
        returning last_number`,
  );
  const first = Number(counter?.last_number) - rows.length + 1;
  const now = new Date();
  const values = rows.map((r, i) => {
    const contactId = r.contactEmail ? (known.get(r.contactEmail.toLowerCase()) ?? null) : null;
    const category = statuses.find((s) => s.key === r.status)?.category ?? "open";
    const ended = category === "solved" || category === "closed";
    const { createdAt, firstResponseAt, resolvedAt } = momentsOf(r, ended, now);
    return {
      workspaceId: ctx.workspaceId,
      id: newId(),
      number: first + i,
      subject: r.subject,
      status: r.status,
      priority: r.priority,
      type: r.type,
      channel: r.channel,
      queueId: null,
      assigneeId: r.assigneeId ?? null,
      contactId,
      companyId: contactId ? (companies.get(contactId) ?? null) : null,
      dealId: null,
      tags: r.tags,
      custom: {},
      satisfaction: r.satisfaction,
      firstResponseAt,
      lastCustomerMessageAt: r.body ? createdAt : null,
      lastAgentMessageAt: firstResponseAt,
      solvedAt: ended ? (resolvedAt ?? createdAt) : null,
      closedAt: category === "closed" ? (resolvedAt ?? createdAt) : null,
      createdById: ctx.actor.userId,
      searchText: searchText([`#${first + i}`, r.subject, r.body?.slice(0, 20_000)]),
      createdAt,
      updatedAt: now,
      deletedAt: null,
    };
  });
  const inserted = await insertMany(ctx.db, tickets, values, true);
  const messages = values.flatMap((v, i) => {
    const body = rows[i]?.body;
    if (!body) return [];
    return [
      {
        workspaceId: ctx.workspaceId,
        id: newId(),
        ticketId: v.id,
        kind: "reply" as const,
        direction: "in" as const,
        authorUserId: null,
        authorContactId: v.contactId,
        fromAddress: rows[i]?.contactEmail?.toLowerCase() ?? null,
        toAddresses: [],
        ccAddresses: [],
        subject: v.subject,
        bodyText: body,
        bodyHtml: null,
        originalText: null,
        messageId: null,
        inReplyTo: null,
        references: [],
        headers: {},
        mailId: null,
        createdAt: v.createdAt,
      },
    ];
  });
  if (messages.length) await insertMany(ctx.db, ticketMessages, messages);
  await recordChanges(
    ctx.db,
    ctx,
    inserted.map((row) => ({
      object: "ticket" as const,
      recordId: row.id,
      action: "create" as const,
      changes: diff(null, row as unknown as Record<string, unknown>, HISTORY_FIELDS),
      payload: { id: row.id, number: row.number, subject: row.subject, status: row.status },
    })),
    { source: "import" },
  );
  return { ids: values.map((v) => v.id), createdContacts };
}

/** Deletes imported tickets (an import's undo) with their messages, a history row each. */
export async function deleteImportedTickets(ctx: Ctx, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return ctx.db.transaction(async (tx) => {
    const gone = await tx
      .delete(tickets)
      .where(and(eq(tickets.workspaceId, ctx.workspaceId), inArray(tickets.id, ids)))
      .returning({ id: tickets.id, number: tickets.number, subject: tickets.subject });
    await recordChanges(
      tx,
      { ...ctx, db: tx },
      gone.map((row) => ({ object: "ticket" as const, recordId: row.id, action: "delete" as const, changes: [], payload: row })),
    );
    return gone.length;
  });
}

const statusAliases: Record<string, string> = {
  pendingcustomerresponse: "pending_customer",
  waitingoncustomer: "pending_customer",
  awaitingcustomer: "pending_customer",
  pending: "pending_customer",
  onhold: "pending_third_party",
  waitingonthirdparty: "pending_third_party",
  resolved: "solved",
  done: "solved",
  inprogress: "open",
  reopened: "open",
};
const norm = (s: string) =>
  s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

/** A status as a file writes it (its key, its label, or a common name of another help desk) → the workspace's key. */
export async function ticketStatusResolver(ctx: Ctx): Promise<(raw: string) => string | null> {
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const byName = new Map<string, string>();
  for (const s of statuses) {
    byName.set(norm(s.key), s.key);
    byName.set(norm(s.label), s.key);
  }
  return (raw) => {
    const n = norm(raw);
    const direct = byName.get(n);
    if (direct) return direct;
    const alias = statusAliases[n];
    return alias && statuses.some((s) => s.key === alias) ? alias : null;
  };
}
