import { z } from "zod";
import { Activity } from "./activities.js";
import { Company } from "./companies.js";
import { Contact } from "./contacts.js";
import { CustomField } from "./custom-fields.js";
import { ValidationRule } from "./data-quality.js";
import { Deal, LostReason, Pipeline } from "./deals.js";
import { Quota } from "./forecast.js";
import { ImportEventRecord } from "./imports.js";
import { ArticleSummary, KbCategory } from "./kb.js";
import { AssignmentRule, ScoringRule } from "./leads.js";
import { PriceList, Product } from "./products.js";
import { RoleDefinition } from "./roles.js";
import { BusinessCalendar, SlaEventRecord, SlaPolicy } from "./sla.js";
import { Task } from "./tasks.js";
import { Ticket, TicketMessageEventRecord } from "./tickets.js";
import { ApiKey, Team, User } from "./users.js";

/**
 * The event catalogue: every change Rapport publishes, named `<object>.<what happened>`. Consumers (webhooks,
 * workflows, scoring) subscribe to these names, so a name never changes meaning once released.
 */

const AnyRecord = z.record(z.string(), z.unknown());

/** What each object's events carry as `record`: the record after the change (before it, for a deletion). */
export const eventObjects = {
  contact: { label: "Contact", record: Contact, actions: ["created", "updated", "deleted", "restored", "merged"] },
  company: { label: "Company", record: Company, actions: ["created", "updated", "deleted", "restored", "merged"] },
  deal: { label: "Deal", record: Deal, actions: ["created", "updated", "deleted", "restored"] },
  task: { label: "Task", record: Task, actions: ["created", "updated", "deleted", "restored"] },
  ticket: { label: "Ticket", record: Ticket, actions: ["created", "updated", "deleted", "restored"] },
  activity: { label: "Activity", record: Activity, actions: ["updated", "deleted", "restored"] },
  product: { label: "Product", record: Product, actions: ["created", "updated", "deleted"] },
  price_list: { label: "Price list", record: PriceList, actions: ["created", "updated", "deleted"] },
  pipeline: { label: "Pipeline", record: Pipeline, actions: ["created", "updated", "deleted"] },
  quota: { label: "Quota", record: Quota, actions: ["created", "updated", "deleted"] },
  form: { label: "Web form", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  scoring_rule: { label: "Scoring rule", record: ScoringRule, actions: ["created", "updated", "deleted"] },
  assignment_rule: { label: "Assignment rule", record: AssignmentRule, actions: ["created", "updated", "deleted"] },
  user: { label: "User", record: User, actions: ["created", "updated", "deleted"] },
  team: { label: "Team", record: Team, actions: ["created", "updated", "deleted"] },
  // An invitation's record never holds its link: the email, role and dates. Revoking or replacing one deletes it.
  invitation: { label: "Invitation", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  role: { label: "Role", record: RoleDefinition, actions: ["created", "updated", "deleted"] },
  custom_field: { label: "Custom field", record: CustomField, actions: ["created", "updated", "deleted"] },
  validation_rule: { label: "Validation rule", record: ValidationRule, actions: ["created", "updated", "deleted"] },
  sla_calendar: { label: "Business-hours calendar", record: BusinessCalendar, actions: ["created", "updated", "deleted"] },
  sla_policy: { label: "SLA policy", record: SlaPolicy, actions: ["created", "updated", "deleted"] },
  lost_reason: { label: "Lost reason", record: LostReason, actions: ["created", "updated", "deleted"] },
  // A key's record never holds its secret or hash: the name, role, prefix and dates. Revoking a key deletes it.
  api_key: { label: "API key", record: ApiKey, actions: ["created", "deleted"] },
  workspace_settings: { label: "Workspace settings", record: AnyRecord, actions: ["updated"] },
  // Never carries the provider's client secret: whether one is set, the issuer, client id, domains and rules.
  sso_settings: { label: "Single sign-on settings", record: AnyRecord, actions: ["updated"] },
  forecast_settings: { label: "Forecast settings", record: AnyRecord, actions: ["updated"] },
  lead_settings: { label: "Lead settings", record: AnyRecord, actions: ["updated"] },
  // A workflow's record: its id, name, status, team and published version (publish, pause and resume are updates).
  workflow: { label: "Workflow", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  // An article's record is its summary (title, status, visibility, version), not its body.
  article: { label: "Knowledge base article", record: ArticleSummary, actions: ["created", "updated", "deleted"] },
  csat_settings: { label: "Satisfaction survey settings", record: AnyRecord, actions: ["updated"] },
  help_centre_settings: { label: "Help centre settings", record: AnyRecord, actions: ["updated"] },
  kb_category: { label: "Knowledge base category", record: KbCategory, actions: ["created", "updated", "deleted"] },
  // An inbound mailbox: its address, queue and IMAP settings, never the IMAP password.
  mailbox: { label: "Mailbox", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  // A segment's record: its id, name, kind and condition, never its members.
  segment: { label: "Segment", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  consent_topic: { label: "Subscription topic", record: AnyRecord, actions: ["created", "updated", "deleted"] },
  // A sequence's record: its id, name and status, never its enrolments.
  sequence: { label: "Sequence", record: AnyRecord, actions: ["created", "updated", "deleted"] },
} as const satisfies Record<string, { label: string; record: z.ZodType; actions: readonly string[] }>;

export type EventObject = keyof typeof eventObjects;
export const EventObjectName = z.enum(Object.keys(eventObjects) as [EventObject, ...EventObject[]]);

/**
 * Events that say more than "a field changed": emitted beside the object's own event, in the same transaction; or
 * events about something that is not a record (an import), with their own `record` schema.
 */
export const namedEvents = {
  "deal.stage_changed": { object: "deal", description: "A deal moved to another stage (also emitted as deal.updated)" },
  "contact.score_changed": {
    object: "contact",
    description:
      "A contact's lead score changed (rules, engagement, decay or an edit); changes holds leadScore old → new, record is { id, leadScore, previousScore }",
    record: z.object({ id: z.uuid(), leadScore: z.number().int(), previousScore: z.number().int().nullable() }),
  },
  "activity.logged": { object: "activity", description: "A call, meeting, email or note was logged" },
  "task.completed": { object: "task", description: "A task was marked done (also emitted as task.updated)" },
  "ticket.status_changed": {
    object: "ticket",
    description: "A ticket moved to another status (also emitted as ticket.updated); changes holds status old → new",
  },
  "ticket.assigned": {
    object: "ticket",
    description: "A ticket was given to an agent, by hand or by its queue's routing (also emitted as ticket.created or ticket.updated)",
  },
  "ticket.message_added": {
    object: "ticket",
    description: "A reply or an internal note was added to a ticket; record is { ticketId, messageId, number, kind, direction }, never the message's text",
    record: TicketMessageEventRecord,
  },
  "form.submitted": { object: "form", description: "A web-to-lead form was submitted; record is the submission" },
  "import.finished": {
    object: "import",
    description:
      "An import completed, once, in the transaction that marks it completed; record: the object, file name and counts (created, updated, unchanged, skipped, failed). Each imported record also has its own event, with source import",
    record: ImportEventRecord,
  },
  "import.failed": {
    object: "import",
    description:
      "An import stopped on an error after its retries (a bad file, or a fault that persisted); record: the counts so far and the error. It can be resumed, and then finishes with import.finished",
    record: ImportEventRecord,
  },
  "workflow.webhook": {
    object: "workflow",
    description: 'A workflow\'s "send to webhook subscribers" step; record is { workflow, object, record, extra }',
  },
  "ticket.sla_warning": {
    object: "ticket",
    description:
      "A ticket's SLA clock passed its policy's warning share (e.g. 80 % of the target), once per clock; record is { ticketId, ticketNumber, metric, policyId, policyName, dueAt, warnAt }",
    record: SlaEventRecord,
  },
  "ticket.sla_breached": {
    object: "ticket",
    description:
      "A ticket's SLA clock passed its target before the metric was met, once per clock; record is { ticketId, ticketNumber, metric, policyId, policyName, dueAt, warnAt }",
    record: SlaEventRecord,
  },
  "marketing.unsubscribed": {
    object: "contact",
    description:
      "A contact unsubscribed from marketing email (the one-click List-Unsubscribe POST, the unsubscribe page, or a mailto); record is { contactId, address, source }",
    record: z.object({ contactId: z.uuid(), address: z.string(), source: z.string() }),
  },
  "contact.consent_changed": {
    object: "contact",
    description:
      "A contact's consent for a channel (and subscription topic) was recorded: granted, unsubscribed or pending; record is the consent record { id, contactId, channel, topicId, status, source }",
  },
  "mail.bounced": {
    object: "mail",
    description:
      "A delivery status notification (RFC 3464) reported a message undeliverable: hard (5.x.x) or soft (4.x.x); record is { address, kind, reason, messageId }",
    record: z.object({ address: z.string(), kind: z.enum(["hard", "soft"]), reason: z.string(), messageId: z.string().nullable() }),
  },
  "mail.complained": {
    object: "mail",
    description: "A recipient's mail provider reported a spam complaint (ARF feedback report); record is { address, messageId }",
    record: z.object({ address: z.string(), messageId: z.string().nullable() }),
  },
  "mail.received": {
    object: "mail",
    description:
      "A message arrived at one of the workspace's inbound mailboxes (SMTP receiver or IMAP) and was taken in; record is { inboundId, from, messageId, inReplyTo, references, automatic } (Message-IDs without angle brackets, lower case), never the text. Sequences read it to exit a contact who replied",
    record: z.object({
      inboundId: z.uuid(),
      from: z.string().nullable(),
      messageId: z.string().nullable(),
      inReplyTo: z.string().nullable(),
      references: z.array(z.string()),
      automatic: z.boolean().describe("An auto-reply, bounce or list message (RFC 3834 signs): not a person answering"),
    }),
  },
  "inbound_hook.received": {
    object: "inbound_hook",
    description: "An inbound webhook URL received a JSON POST; record is { hookId, hookName, receivedAt, body }",
  },
} as const satisfies Record<string, { object: string; description: string; record?: z.ZodType }>;

type ObjectEventType = { [O in EventObject]: `${O}.${(typeof eventObjects)[O]["actions"][number]}` }[EventObject];
export type EventType = ObjectEventType | keyof typeof namedEvents;

const objectEventTypes = Object.entries(eventObjects).flatMap(([object, d]) => d.actions.map((a) => `${object}.${a}`)) as ObjectEventType[];
export const eventTypes = [...objectEventTypes, ...(Object.keys(namedEvents) as (keyof typeof namedEvents)[])] as [EventType, ...EventType[]];
export const EventTypeName = z.enum(eventTypes);

export const EventFieldChange = z.object({
  field: z.string().describe("Field name; custom fields are custom.<key>"),
  from: z.unknown().describe("Value before the change (null when unset)"),
  to: z.unknown().describe("Value after the change (null when unset)"),
});

/** The `data` of one event type: the record after the change, and the changed fields with old → new. */
export function eventDataSchema(type: EventType): z.ZodType {
  const [object] = type.split(".") as [string];
  const named = (namedEvents as Record<string, { record?: z.ZodType }>)[type]?.record;
  const record = named ?? (eventObjects as Record<string, { record: z.ZodType }>)[object]?.record ?? AnyRecord;
  return z.object({
    record: record.nullable().describe("The record after the change (before it, for a deletion)"),
    changes: z.array(EventFieldChange).describe("Changed fields, old → new; empty for events that change no field"),
  });
}

export const eventSources = ["app", "import", "api", "system"] as const;

/** One event as consumers, webhooks and the API see it. */
export const Event = z.object({
  id: z.uuid(),
  position: z.number().int().describe("Monotonic position in the stream: read after it to resume"),
  type: EventTypeName,
  object: z.string(),
  recordId: z.uuid(),
  workspaceId: z.uuid(),
  occurredAt: z.string().describe("ISO 8601 date-time of the change"),
  actor: z.object({
    kind: z.enum(["user", "api_key", "system", "workflow"]),
    userId: z.uuid().nullable().describe("The user; for a workflow's change, the workflow's id"),
  }),
  source: z.enum(eventSources).describe("import: written by an import (one event per record), which consumers may skip"),
  data: z.object({ record: AnyRecord.nullable(), changes: z.array(EventFieldChange) }),
});
export type Event = z.infer<typeof Event>;

export const EventListQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0).describe("Position to read after; 0 reads from the oldest kept event"),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    type: z.string().max(2000).optional().describe("Comma-separated event types to keep, e.g. deal.stage_changed,contact.created"),
  })
  .strict();
export const EventList = z.object({
  data: z.array(Event),
  nextAfter: z.number().int().describe("Pass as `after` to read on; equal to `after` when nothing new"),
});

export const EventCatalogueEntry = z.object({
  type: EventTypeName,
  object: z.string(),
  label: z.string(),
  description: z.string(),
  dataSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the event's data"),
});
export const EventCatalogue = z.object({ data: z.array(EventCatalogueEntry) });

const verbs: Record<string, string> = {
  created: "was created",
  updated: "was changed",
  deleted: "was deleted (moved to the trash, or removed)",
  restored: "was restored from the trash",
  merged: "absorbed a duplicate (the duplicate gets deleted)",
};

/** Every type with its label and description, for the docs, the webhook form and the catalogue endpoint. */
export function eventCatalogue(): { type: EventType; object: string; label: string; description: string }[] {
  const own = Object.entries(eventObjects).flatMap(([object, d]) =>
    d.actions.map((a) => ({ type: `${object}.${a}` as EventType, object, label: `${d.label} ${a}`, description: `A ${d.label.toLowerCase()} ${verbs[a]}` })),
  );
  const named = Object.entries(namedEvents).map(([type, d]) => ({
    type: type as EventType,
    object: d.object,
    label: type.replace(".", " ").replace("_", " "),
    description: d.description,
  }));
  return [...own, ...named];
}
