import type { ApplyMacroBody, ApplyMacroResult, MacroChanges } from "../../contract/canned-replies.js";
import type { Ticket, UpdateTicketBody } from "../../contract/tickets.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { getContact } from "../contacts/service.js";
import type { MailQueue } from "../mail/service.js";
import { addTicketMessage, getTicket, updateTicket } from "../tickets/service.js";
import { agentAndWorkspace, sampleMergeData } from "./merge-data.js";
import { changedTags, type MergeData, macroForApply, renderTemplate } from "./service.js";

export interface ApplyDeps {
  /** The mail outbox a macro's public reply goes out through. */
  mailQueue?: () => Promise<MailQueue>;
}

/** The merge data of a ticket the caller may read; the contact's name only when the caller may see the contact. */
export async function ticketMergeData(ctx: Ctx, ticket: Ticket): Promise<MergeData> {
  const contact = ticket.contactId ? await getContact(ctx, ticket.contactId).catch(() => null) : null;
  const first = contact?.firstName ?? "";
  const last = contact?.lastName ?? "";
  return {
    ticket: { number: ticket.number, subject: ticket.subject },
    contact: {
      first_name: first,
      last_name: last,
      name: [first, last].filter(Boolean).join(" ") || (ticket.contactName ?? ""),
      email: contact?.primaryEmail ?? "",
    },
    company: { name: ticket.companyName ?? "" },
    ...(await agentAndWorkspace(ctx)),
  };
}

/** Renders a template for a ticket (its fields, the caller as the agent), or with sample values when none is named. */
export async function renderForTicket(ctx: Ctx, input: { body: string; ticketId?: string }): Promise<string> {
  if (!input.body) throw new AppError("validation_failed", "body: required", [{ path: "body", message: "Write the reply" }]);
  const data = input.ticketId ? await ticketMergeData(ctx, await getTicket(ctx, input.ticketId)) : await sampleMergeData(ctx);
  return renderTemplate(input.body, data);
}

/** A macro's field changes as a ticket update, resolving "me"/"none" and the tag edits against the ticket's tags. */
export function macroPatch(changes: MacroChanges, ticket: Pick<Ticket, "tags">, actorUserId: string | null): UpdateTicketBody {
  const patch: UpdateTicketBody = {};
  if (changes.status) patch.status = changes.status;
  if (changes.priority) patch.priority = changes.priority;
  if (changes.assigneeId === "none") patch.assigneeId = null;
  else if (changes.assigneeId === "me") {
    if (!actorUserId) throw new AppError("validation_failed", "A macro that assigns to “me” needs a signed-in user.");
    patch.assigneeId = actorUserId;
  } else if (changes.assigneeId) patch.assigneeId = changes.assigneeId;
  if (changes.queueId === "none") patch.queueId = null;
  else if (changes.queueId) patch.queueId = changes.queueId;
  if (changes.addTags?.length || changes.removeTags?.length) {
    const tags = changedTags(ticket.tags, changes.addTags, changes.removeTags);
    if (tags.join("\u0000") !== ticket.tags.join("\u0000")) patch.tags = tags;
  }
  return patch;
}

/**
 * Applies a macro to each ticket on its own: the field changes, then (sendReply) its reply as a message, or (not)
 * the rendered reply for the composer. One ticket the caller may not change is reported and the others still go.
 */
export async function applyMacro(ctx: Ctx, id: string, input: ApplyMacroBody, deps: ApplyDeps = {}): Promise<ApplyMacroResult["data"]> {
  const { macro, replyBody } = await macroForApply(ctx, id);
  const sendReply = input.sendReply ?? true;
  const out: ApplyMacroResult["data"] = [];
  for (const ticketId of [...new Set(input.ticketIds)]) {
    try {
      const ticket = await getTicket(ctx, ticketId);
      const reply = replyBody ? await renderTemplate(replyBody, await ticketMergeData(ctx, ticket)) : null;
      let messageId: string | null = null;
      // The reply first: a public reply to a customer without an email address fails before any field changes.
      if (sendReply && reply) {
        const mail = macro.replyKind === "reply" && deps.mailQueue ? await deps.mailQueue() : undefined;
        messageId = (await addTicketMessage(ctx, ticketId, { kind: macro.replyKind, direction: "out", bodyText: reply }, { mail })).id;
      }
      const patch = macroPatch(macro.changes, ticket, ctx.actor.userId);
      if (Object.keys(patch).length > 0) await updateTicket(ctx, ticketId, patch);
      out.push({ ticketId, ok: true, error: null, reply, messageId });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.push({ ticketId, ok: false, error: err.message, reply: null, messageId: null });
    }
  }
  return out;
}
