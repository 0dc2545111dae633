import { and, count, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Ticket, TicketMessage } from "../../contract/tickets.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { randomToken, sha256 } from "../auth/tokens.js";
import { contactCompanyIds, contactIdByEmail, getContact } from "../contacts/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { addTicketMessage, createTicket, findTicketByNumber, listTicketMessages, listTickets } from "../tickets/service.js";
import { portalLinks, portalSessions } from "./table.js";

/**
 * The customer portal: contacts sign in with a link mailed to an address the workspace knows them by, then see and
 * answer their own tickets (and their company's, when the admin allows it) and open new ones. Everything a customer
 * does runs as the system on their behalf, limited here to what is theirs: the portal is its own wall.
 */

export const LINK_MINUTES = 30;
export const SESSION_DAYS = 14;
/** Sign-in links one address may ask for per hour: enough for a lost mail, too few to flood an inbox. */
export const LINKS_PER_HOUR = 5;

const systemCtx = (db: Db, workspaceId: string): Ctx => ({ db, workspaceId, actor: systemActor });

export interface PortalSession {
  workspaceId: string;
  sessionId: string;
  contactId: string;
  contactName: string;
  email: string | null;
  companyId: string | null;
  csrfToken: string;
}

/**
 * Mails a sign-in link when the address belongs to a contact; says nothing either way, so the form cannot tell a
 * stranger who is a customer. Returns whether a link was sent (for tests and logs, never for the page).
 */
export async function requestPortalLink(
  db: Db,
  workspaceId: string,
  mail: MailQueue,
  input: { email: string; baseUrl: string; portalPath: string; workspaceName: string },
  now = new Date(),
): Promise<boolean> {
  const ctx = systemCtx(db, workspaceId);
  const email = input.email.trim().toLowerCase();
  const contactId = await contactIdByEmail(ctx, email);
  if (!contactId) return false;
  const contact = await getContact(ctx, contactId);
  if (contact.doNotContact) return false;
  const [recent] = await db
    .select({ n: count() })
    .from(portalLinks)
    .where(and(eq(portalLinks.workspaceId, workspaceId), eq(portalLinks.email, email), gt(portalLinks.createdAt, new Date(now.getTime() - 3_600_000))));
  if ((recent?.n ?? 0) >= LINKS_PER_HOUR) return false;
  const secret = randomToken();
  const expiresAt = new Date(now.getTime() + LINK_MINUTES * 60_000);
  await db.transaction(async (tx) => {
    await tx.insert(portalLinks).values({ workspaceId, id: newId(), contactId, email, tokenHash: sha256(secret), expiresAt, createdAt: now });
    const link = `${input.baseUrl}${input.portalPath}/auth?token=${encodeURIComponent(`${workspaceId}.${secret}`)}`;
    await queueMail({ db: tx, workspaceId }, mail, {
      kind: "portal_link",
      to: email,
      subject: `Your sign-in link for ${input.workspaceName} support`,
      text: `Hello ${contact.firstName || ""},\n\nSign in to see and answer your support requests:\n${link}\n\nThe link works once, for ${LINK_MINUTES} minutes. If you did not ask for it, ignore this mail.`,
      // The link signs in as the customer: the email log shows the envelope, not the body.
      sensitive: true,
      related: { object: "contact", id: contactId },
    });
  });
  return true;
}

/** Spends a sign-in link and opens a session; an unknown, used or expired link is refused the same way. */
export async function redeemPortalLink(db: Db, workspaceId: string, secret: string, now = new Date()): Promise<{ cookie: string; session: PortalSession }> {
  const opened = await db.transaction(async (tx) => {
    // One conditional update: two clicks on the same link (a mail scanner and the customer) open one session.
    const [link] = await tx
      .update(portalLinks)
      .set({ usedAt: now })
      .where(
        and(eq(portalLinks.workspaceId, workspaceId), eq(portalLinks.tokenHash, sha256(secret)), isNull(portalLinks.usedAt), gt(portalLinks.expiresAt, now)),
      )
      .returning();
    if (!link) throw new AppError("link_expired", "This sign-in link has expired or was used already. Ask for a new one.");
    const token = randomToken();
    const id = newId();
    await tx.insert(portalSessions).values({
      workspaceId,
      id,
      contactId: link.contactId,
      tokenHash: sha256(token),
      csrfToken: randomToken(18),
      expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
      createdAt: now,
    });
    return { cookie: `${workspaceId}.${token}`, id };
  });
  const session = await portalSession(db, workspaceId, opened.cookie.slice(workspaceId.length + 1), now);
  if (!session) throw new AppError("internal", "The new session could not be read back");
  return { cookie: opened.cookie, session };
}

/** The customer behind a portal cookie, or null (unknown, expired, or the contact was deleted). */
export async function portalSession(db: Db, workspaceId: string, secret: string, now = new Date()): Promise<PortalSession | null> {
  const [row] = await db
    .select()
    .from(portalSessions)
    .where(and(eq(portalSessions.workspaceId, workspaceId), eq(portalSessions.tokenHash, sha256(secret)), gt(portalSessions.expiresAt, now)));
  if (!row) return null;
  const ctx = systemCtx(db, workspaceId);
  const contact = await getContact(ctx, row.contactId).catch(() => null);
  if (!contact || contact.deletedAt) return null;
  return {
    workspaceId,
    sessionId: row.id,
    contactId: row.contactId,
    contactName: [contact.firstName, contact.lastName].filter(Boolean).join(" ") || (contact.emails[0]?.email ?? ""),
    email: contact.emails[0]?.email ?? null,
    companyId: (await contactCompanyIds(ctx, [row.contactId])).get(row.contactId) ?? null,
    csrfToken: row.csrfToken,
  };
}

export async function endPortalSession(db: Db, s: PortalSession): Promise<void> {
  await db.delete(portalSessions).where(and(eq(portalSessions.workspaceId, s.workspaceId), eq(portalSessions.id, s.sessionId)));
}

/** Sessions and links past their time: removed by the portal's daily clean-up. */
export async function prunePortal(db: Db, now = new Date()): Promise<void> {
  await db.delete(portalSessions).where(lt(portalSessions.expiresAt, now));
  await db.delete(portalLinks).where(lt(portalLinks.expiresAt, new Date(now.getTime() - 86_400_000)));
}

// ---- what a customer sees ----

export interface PortalOptions {
  /** The admin lets customers see every ticket of their company, not only those they opened. */
  companyTickets: boolean;
}

const visibleTo = (s: PortalSession, t: Ticket, o: PortalOptions) =>
  !t.deletedAt && (t.contactId === s.contactId || (o.companyTickets && s.companyId !== null && t.companyId === s.companyId));

export async function portalTickets(db: Db, s: PortalSession, o: PortalOptions): Promise<Ticket[]> {
  const ctx = systemCtx(db, s.workspaceId);
  const query = o.companyTickets && s.companyId ? { company: s.companyId } : { contact: s.contactId };
  const { data } = await listTickets(ctx, { ...query, sort: "-updatedAt", limit: 200 });
  return data.filter((t) => visibleTo(s, t, o));
}

/** One of the customer's tickets with its public conversation: internal notes never leave the app. */
export async function portalTicket(db: Db, s: PortalSession, o: PortalOptions, number: number): Promise<{ ticket: Ticket; messages: TicketMessage[] }> {
  const ctx = systemCtx(db, s.workspaceId);
  const ticket = await findTicketByNumber(ctx, number);
  // Someone else's ticket is "not found", exactly as a number that does not exist.
  if (!ticket || !visibleTo(s, ticket, o)) throw notFound("Ticket");
  const messages = (await listTicketMessages(ctx, ticket.id)).filter((m) => m.kind === "reply");
  return { ticket, messages };
}

export async function openPortalTicket(db: Db, s: PortalSession, input: { subject: string; body: string }): Promise<Ticket> {
  const subject = input.subject.trim();
  const body = input.body.trim();
  const errors = [
    ...(subject ? [] : [{ path: "subject", message: "Say in a few words what it is about" }]),
    ...(body ? [] : [{ path: "body", message: "Describe your request" }]),
    ...(subject.length > 500 ? [{ path: "subject", message: "Keep the subject under 500 characters" }] : []),
    ...(body.length > 100_000 ? [{ path: "body", message: "Keep the message under 100,000 characters" }] : []),
  ];
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => e.message).join(". "), errors);
  return createTicket(systemCtx(db, s.workspaceId), { subject, contactId: s.contactId, channel: "portal", message: { bodyText: body } });
}

export async function replyFromPortal(db: Db, s: PortalSession, o: PortalOptions, number: number, body: string): Promise<void> {
  const { ticket } = await portalTicket(db, s, o, number);
  const text = body.trim();
  if (!text) throw new AppError("validation_failed", "Write your reply first", [{ path: "body", message: "Write your reply first" }]);
  if (text.length > 100_000) throw new AppError("validation_failed", "Keep the reply under 100,000 characters", [{ path: "body", message: "Too long" }]);
  await addTicketMessage(systemCtx(db, s.workspaceId), ticket.id, {
    kind: "reply",
    direction: "in",
    bodyText: text,
    authorContactId: s.contactId,
    fromAddress: s.email,
  });
}

/** How many sessions a contact has open (the contact page can show it; tests check sign-out). */
export async function openPortalSessions(db: Db, workspaceId: string, contactId: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(portalSessions)
    .where(and(eq(portalSessions.workspaceId, workspaceId), eq(portalSessions.contactId, contactId), gt(portalSessions.expiresAt, now)));
  return row?.n ?? 0;
}
