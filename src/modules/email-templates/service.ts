import { and, asc, eq } from "drizzle-orm";
import { DealListQuery } from "../../contract/deals.js";
import type { CreateEmailTemplateBody, EmailTemplate, Preview, PreviewBody, UpdateEmailTemplateBody } from "../../contract/email-templates.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { can } from "../../core/roles.js";
import { getCompany } from "../companies/service.js";
import { getContact } from "../contacts/service.js";
import { listDeals } from "../deals/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { getUser } from "../users/service.js";
import { renderTemplate, type TemplateSource, templateProblems } from "./render.js";
import { emailTemplates } from "./table.js";

type Row = typeof emailTemplates.$inferSelect;

/** Templates are the marketing team's: the marketing role and admins change them; everyone reads them. */
export function assertMarketing(ctx: Ctx): void {
  if (ctx.actor.role === "marketing" || can(ctx.actor, "admin")) return;
  throw new AppError("forbidden", "Email templates are managed by the marketing role or an admin.");
}

const toTemplate = (r: Row): EmailTemplate => ({
  id: r.id,
  name: r.name,
  subject: r.subject,
  preheader: r.preheader,
  body: r.body,
  mode: r.mode,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** A template that does not parse is refused with each error's part, line and column. */
function assertParses(source: TemplateSource): void {
  const problems = templateProblems(source);
  if (problems.length === 0) return;
  throw new AppError(
    "validation_failed",
    problems.map((p) => `${p.part}: ${p.message}${p.line ? ` (line ${p.line}, column ${p.column})` : ""}`).join("; "),
    problems.map((p) => ({ path: p.part, message: `${p.message}${p.line ? ` at line ${p.line}, column ${p.column}` : ""}` })),
  );
}

export async function listTemplates(ctx: Ctx): Promise<EmailTemplate[]> {
  const rows = await ctx.db.select().from(emailTemplates).where(eq(emailTemplates.workspaceId, ctx.workspaceId)).orderBy(asc(emailTemplates.name)).limit(1000);
  return rows.map(toTemplate);
}

async function templateRow(ctx: Pick<Ctx, "db" | "workspaceId">, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(emailTemplates)
    .where(and(eq(emailTemplates.workspaceId, ctx.workspaceId), eq(emailTemplates.id, id)));
  if (!row) throw notFound("Email template");
  return row;
}

export async function getTemplate(ctx: Ctx, id: string): Promise<EmailTemplate> {
  return toTemplate(await templateRow(ctx, id));
}

export async function createTemplate(ctx: Ctx, body: CreateEmailTemplateBody): Promise<EmailTemplate> {
  assertMarketing(ctx);
  assertParses(body);
  const now = new Date();
  const [row] = await ctx.db
    .insert(emailTemplates)
    .values({ workspaceId: ctx.workspaceId, id: newId(), ...body, createdById: ctx.actor.userId, createdAt: now, updatedAt: now })
    .returning();
  return toTemplate(row as Row);
}

export async function updateTemplate(ctx: Ctx, id: string, body: UpdateEmailTemplateBody): Promise<EmailTemplate> {
  assertMarketing(ctx);
  const before = await templateRow(ctx, id);
  assertParses({
    subject: body.subject ?? before.subject,
    preheader: body.preheader === undefined ? before.preheader : body.preheader,
    body: body.body ?? before.body,
  });
  const [row] = await ctx.db
    .update(emailTemplates)
    .set({ ...body, updatedAt: new Date() })
    .where(and(eq(emailTemplates.workspaceId, ctx.workspaceId), eq(emailTemplates.id, id)))
    .returning();
  return toTemplate(row as Row);
}

export async function deleteTemplate(ctx: Ctx, id: string): Promise<void> {
  assertMarketing(ctx);
  const gone = await ctx.db
    .delete(emailTemplates)
    .where(and(eq(emailTemplates.workspaceId, ctx.workspaceId), eq(emailTemplates.id, id)))
    .returning({ id: emailTemplates.id });
  if (gone.length === 0) throw notFound("Email template");
}

/** Sample data for a preview without a contact: what each merge field looks like. */
const sample = {
  contact: { firstName: "Ada", lastName: "Lovelace", fullName: "Ada Lovelace", email: "ada@example.com", jobTitle: "Analyst", custom: {} },
  company: { name: "Analytical Engines Ltd", domain: "example.com" },
  owner: { name: "Grace Hopper", email: "grace@example.com" },
  deal: { name: "Engine upgrade", amount: "12000", currency: "EUR", stageName: "Proposal" },
};

/**
 * What merge fields see for a contact: the contact, its company, its owner and its most recent deal, as the acting
 * role may read them (a field the role cannot see is not there, so it renders as its default).
 */
export async function mergeData(ctx: Ctx, contactId: string): Promise<Record<string, unknown>> {
  const contact = await getContact(ctx, contactId);
  const [company, owner, deals] = await Promise.all([
    contact.companyId ? getCompany(ctx, contact.companyId).catch(() => null) : null,
    contact.ownerId ? getUser(ctx, contact.ownerId).catch(() => null) : null,
    listDeals(ctx, DealListQuery.parse({ contactId, limit: 1 })).catch(() => ({ data: [] })),
  ]);
  return {
    contact: { ...contact, email: contact.primaryEmail, phone: contact.primaryPhone },
    ...(company ? { company } : {}),
    ...(owner ? { owner: { name: owner.name, email: owner.email } } : {}),
    ...(deals.data[0] ? { deal: deals.data[0] } : {}),
  };
}

/** The live preview: syntax problems with line and column, else the message rendered as the contact (or sample data). */
export async function previewTemplate(ctx: Ctx, body: PreviewBody): Promise<Preview> {
  const source = { subject: body.subject, preheader: body.preheader, body: body.body };
  const problems = templateProblems(source);
  if (problems.length) return { ok: false, problems, subject: body.subject, html: "", text: "", missing: [] };
  const data = body.contactId ? await mergeData(ctx, body.contactId) : sample;
  try {
    const out = await renderTemplate(source, data, { unsubscribeUrl: "#unsubscribe" });
    return { ok: true, problems: [], ...out };
  } catch (err) {
    // A render-time error (an unknown filter, a render limit): shown like a syntax error, never a 500.
    const message = (err as Error).message;
    const at = /line:(\d+), col:(\d+)/.exec(message);
    return {
      ok: false,
      problems: [{ part: "body", message: message.replace(/,? ?line:\d+, col:\d+/, ""), line: at ? Number(at[1]) : null, column: at ? Number(at[2]) : null }],
      subject: body.subject,
      html: "",
      text: "",
      missing: [],
    };
  }
}

/** "Send a test to me": the template rendered as the contact (or sample data), through the outbox, to the user asking. */
export async function sendTestTemplate(ctx: Ctx, queue: MailQueue, id: string, contactId?: string): Promise<{ mailId: string; to: string }> {
  assertMarketing(ctx);
  if (!ctx.actor.userId) throw new AppError("forbidden", "A test email goes to the user asking; this API key has no user.");
  const row = await templateRow(ctx, id);
  assertParses(row);
  const user = await getUser(ctx, ctx.actor.userId);
  const out = await renderTemplate(row, contactId ? await mergeData(ctx, contactId) : sample, { unsubscribeUrl: null, footer: "Test send from Rapport" });
  const { id: mailId } = await queueMail(ctx, queue, {
    kind: "template_test",
    to: { name: user.name, address: user.email },
    subject: `[Test] ${out.subject}`,
    text: out.text,
    html: out.html,
    htmlIsSanitised: true,
    related: { object: "email_template", id: row.id },
  });
  return { mailId, to: user.email };
}

export { templateRow };
