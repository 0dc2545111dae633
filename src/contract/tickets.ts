import { z } from "zod";
import { CustomValues, Id, listOf, Tags, Timestamp } from "./common.js";
import { Condition } from "./conditions.js";

export { ticketChannelLabels, ticketPriorityLabels } from "./labels.js";

// ---- fixed vocabularies ----

export const ticketPriorities = ["low", "normal", "high", "urgent"] as const;
export const TicketPriority = z.enum(ticketPriorities);
export type TicketPriority = z.infer<typeof TicketPriority>;

export const ticketChannels = ["email", "web", "portal", "phone", "chat", "social", "api", "import"] as const;
export const TicketChannel = z.enum(ticketChannels);
export type TicketChannel = z.infer<typeof TicketChannel>;

/** Built-in types; a workspace may use others (a type is free text of letters, digits, _ and -). */
export const ticketTypes = ["question", "incident", "problem", "task"] as const;
export const TicketType = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[\p{L}\p{N} _-]+$/u, "Letters, digits, spaces, _ and -");

/** What a status means to clocks, lists and the customer: every status, built-in or added, has one. */
export const ticketStatusCategories = ["new", "open", "pending", "solved", "closed"] as const;
export const TicketStatusCategory = z.enum(ticketStatusCategories);
export type TicketStatusCategory = z.infer<typeof TicketStatusCategory>;

export const TicketStatusKey = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[a-z][a-z0-9_]*$/, "Lower-case letters, digits and _, starting with a letter");

export const TicketStatusDef = z.object({
  key: TicketStatusKey,
  label: z.string(),
  category: TicketStatusCategory,
  slaRunning: z.boolean().describe("Whether SLA clocks run while a ticket is in this status"),
  position: z.number().int(),
  builtIn: z.boolean().describe("Built-in statuses may be renamed, not deleted"),
});
export type TicketStatusDef = z.infer<typeof TicketStatusDef>;
export const TicketStatusList = z.object({ data: z.array(TicketStatusDef) });

/** The statuses every workspace starts with. */
export const defaultTicketStatuses: Omit<TicketStatusDef, "position" | "builtIn">[] = [
  { key: "new", label: "New", category: "new", slaRunning: true },
  { key: "open", label: "Open", category: "open", slaRunning: true },
  { key: "pending_customer", label: "Pending customer", category: "pending", slaRunning: false },
  { key: "pending_third_party", label: "Pending third party", category: "pending", slaRunning: false },
  { key: "solved", label: "Solved", category: "solved", slaRunning: false },
  { key: "closed", label: "Closed", category: "closed", slaRunning: false },
];

export const CreateTicketStatusBody = z
  .object({
    key: TicketStatusKey,
    label: z.string().trim().min(1, "Give the status a name").max(60),
    category: TicketStatusCategory,
    slaRunning: z.boolean().optional().describe("Default: true for new and open, false otherwise"),
    position: z.number().int().min(0).max(1000).optional(),
  })
  .strict();
export type CreateTicketStatusBody = z.infer<typeof CreateTicketStatusBody>;
export const UpdateTicketStatusBody = z
  .object({
    label: z.string().trim().min(1, "Give the status a name").max(60),
    slaRunning: z.boolean(),
    position: z.number().int().min(0).max(1000),
  })
  .partial()
  .strict();
export type UpdateTicketStatusBody = z.infer<typeof UpdateTicketStatusBody>;
export const TicketStatusParams = z.object({ key: TicketStatusKey }).strict();

// ---- messages ----

export const ticketMessageKinds = ["reply", "note"] as const;
export const TicketMessageKind = z.enum(ticketMessageKinds);
export type TicketMessageKind = z.infer<typeof TicketMessageKind>;
export const ticketMessageDirections = ["in", "out"] as const;
export const TicketMessageDirection = z.enum(ticketMessageDirections);
export type TicketMessageDirection = z.infer<typeof TicketMessageDirection>;

export const TicketAddress = z.object({ name: z.string().nullable(), address: z.string() });
export type TicketAddress = z.infer<typeof TicketAddress>;

/** Per attachment and per message, in bytes. */
export const ticketAttachmentLimits = { file: 10 * 1024 * 1024, message: 25 * 1024 * 1024 } as const;

export const TicketAttachment = z.object({
  id: Id,
  messageId: Id,
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  contentId: z.string().nullable().describe("For inline images: the cid the HTML body refers to"),
});
export type TicketAttachment = z.infer<typeof TicketAttachment>;

/** An attachment as the API receives it: its bytes in base64. */
export const TicketAttachmentInput = z
  .object({
    filename: z.string().trim().min(1).max(255),
    contentType: z.string().trim().min(3).max(200),
    contentBase64: z.string().max(Math.ceil((ticketAttachmentLimits.file * 4) / 3) + 4, "An attachment may be at most 10 MB"),
    contentId: z.string().max(300).optional(),
  })
  .strict();

export const TicketMessage = z.object({
  id: Id,
  ticketId: Id,
  kind: TicketMessageKind,
  direction: TicketMessageDirection,
  authorUserId: Id.nullable(),
  authorUserName: z.string().nullable(),
  authorContactId: Id.nullable(),
  fromAddress: z.string().nullable(),
  to: z.array(TicketAddress),
  cc: z.array(TicketAddress),
  subject: z.string().nullable(),
  bodyText: z.string(),
  bodyHtml: z.string().nullable(),
  originalText: z.string().nullable().describe("The full body before quotes and signature were stripped"),
  messageId: z.string().nullable().describe("RFC 5322 Message-ID without <>"),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  headers: z.record(z.string(), z.unknown()),
  attachments: z.array(TicketAttachment),
  createdAt: Timestamp,
});
export type TicketMessage = z.infer<typeof TicketMessage>;
export const TicketMessageList = z.object({ data: z.array(TicketMessage) });

/** What the API accepts for a message: agents write replies and notes; inbound mail arrives through the mail channel. */
export const PostTicketMessageBody = z
  .object({
    kind: TicketMessageKind.default("reply"),
    bodyText: z.string().trim().min(1, "Write something").max(200_000),
    bodyHtml: z.string().max(1_000_000).optional(),
    cc: z.array(z.email()).max(50).optional(),
    attachments: z.array(TicketAttachmentInput).max(20).optional(),
  })
  .strict();
export type PostTicketMessageBody = z.infer<typeof PostTicketMessageBody>;

/** What the service takes (channels such as email-in pass the headers and ids they read). */
export interface AddTicketMessageBody {
  kind: TicketMessageKind;
  direction: TicketMessageDirection;
  bodyText: string;
  bodyHtml?: string | null;
  originalText?: string | null;
  fromAddress?: string | null;
  to?: (string | TicketAddress)[];
  cc?: (string | TicketAddress)[];
  subject?: string | null;
  /** With or without <>; stored without. */
  messageId?: string | null;
  inReplyTo?: string | null;
  references?: string[];
  headers?: Record<string, unknown>;
  attachments?: { filename: string; contentType: string; content: Buffer | Uint8Array; contentId?: string | null }[];
  authorContactId?: string | null;
  /** When the message was written (an import or a late delivery); default now. */
  createdAt?: Date;
}

// ---- tickets ----

export const Requester = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().max(200).optional(),
  })
  .strict();

export const FirstMessage = z
  .object({
    bodyText: z.string().max(200_000),
    bodyHtml: z.string().max(1_000_000).optional(),
    attachments: z.array(TicketAttachmentInput).max(20).optional(),
  })
  .strict();

export const CreateTicketBody = z
  .object({
    subject: z.string().trim().min(1, "Give the ticket a subject").max(500),
    contactId: Id.optional(),
    requester: Requester.optional().describe("Found by email, or created as a contact"),
    message: FirstMessage.optional().describe("The customer's first message"),
    status: TicketStatusKey.optional().describe("Default: new"),
    priority: TicketPriority.optional(),
    type: TicketType.nullable().optional(),
    channel: TicketChannel.optional().describe("Default: api for API keys, web otherwise"),
    queueId: Id.nullable().optional(),
    assigneeId: Id.nullable().optional(),
    companyId: Id.nullable().optional().describe("Default: the contact's company"),
    dealId: Id.nullable().optional(),
    tags: Tags.optional(),
    custom: CustomValues.optional(),
  })
  .strict()
  .refine((b) => !(b.contactId && b.requester), { message: "Name the customer by contactId or requester, not both", path: ["requester"] });
export type CreateTicketBody = z.infer<typeof CreateTicketBody>;

/** Fields only channels set (email-in, imports): the service takes them, the HTTP API does not. */
export interface CreateTicketExtras {
  /** The first message's mail details (email channel). */
  message?: Partial<Omit<AddTicketMessageBody, "kind">>;
  /** The first message's id, chosen by the caller: email-in links the stored original to it without reading it back. */
  firstMessageId?: string;
  createdAt?: Date;
  satisfaction?: number | null;
  firstResponseAt?: Date | null;
  solvedAt?: Date | null;
  closedAt?: Date | null;
  /** Skip routing (imports keep the file's assignment, or none). */
  noRouting?: boolean;
}

export const UpdateTicketBody = z
  .object({
    subject: z.string().trim().min(1, "Give the ticket a subject").max(500),
    status: TicketStatusKey,
    priority: TicketPriority,
    type: TicketType.nullable(),
    queueId: Id.nullable(),
    assigneeId: Id.nullable(),
    contactId: Id.nullable(),
    companyId: Id.nullable(),
    dealId: Id.nullable(),
    tags: Tags,
    custom: CustomValues,
    satisfaction: z.number().int().min(1).max(5).nullable(),
  })
  .partial()
  .strict();
export type UpdateTicketBody = z.infer<typeof UpdateTicketBody>;

export const Ticket = z.object({
  id: Id,
  number: z.number().int(),
  subject: z.string(),
  status: z.string(),
  statusLabel: z.string(),
  statusCategory: TicketStatusCategory,
  priority: TicketPriority,
  type: z.string().nullable(),
  channel: TicketChannel,
  queueId: Id.nullable(),
  queueName: z.string().nullable(),
  assigneeId: Id.nullable(),
  assigneeName: z.string().nullable(),
  contactId: Id.nullable(),
  contactName: z.string().nullable(),
  companyId: Id.nullable(),
  companyName: z.string().nullable(),
  dealId: Id.nullable(),
  tags: z.array(z.string()),
  custom: CustomValues,
  satisfaction: z.number().int().nullable(),
  firstResponseAt: Timestamp.nullable(),
  lastCustomerMessageAt: Timestamp.nullable(),
  lastAgentMessageAt: Timestamp.nullable(),
  solvedAt: Timestamp.nullable(),
  closedAt: Timestamp.nullable(),
  createdById: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable(),
});
export type Ticket = z.infer<typeof Ticket>;

export const ticketSorts = [
  "createdAt",
  "-createdAt",
  "updatedAt",
  "-updatedAt",
  "number",
  "-number",
  "priority",
  "-priority",
  "slaDueAt",
  "-slaDueAt",
] as const;

export const TicketListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    sort: z.enum(ticketSorts).default("-createdAt"),
    q: z.string().trim().max(200).optional().describe("Words of the subject and messages, or #number"),
    status: z.string().max(500).optional().describe("Comma-separated status keys"),
    statusCategory: z.string().max(100).optional().describe("Comma-separated categories, e.g. new,open,pending (the unsolved tickets)"),
    queue: z
      .string()
      .regex(/^(none|[0-9a-f-]{36})$/i, "Use none or a queue id")
      .optional(),
    assignee: z
      .string()
      .regex(/^(me|none|[0-9a-f-]{36})$/i, "Use me, none or a user id")
      .optional(),
    priority: TicketPriority.optional(),
    channel: TicketChannel.optional(),
    contact: Id.optional(),
    company: Id.optional(),
    tag: z.string().max(50).optional(),
    overdue: z.enum(["true", "false"]).optional().describe("Tickets whose SLA is breached (needs the SLA module)"),
    dueWithin: z.coerce
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 366)
      .optional()
      .describe("Tickets with an SLA clock not yet met that is due within this many minutes from now, breached ones included"),
    trashed: z.enum(["true", "false"]).optional(),
  })
  .strict();
export type TicketListQuery = z.input<typeof TicketListQuery>;
/**
 * A list row: the ticket plus its soonest due time of an SLA clock not yet met (breached ones included), which the
 * list shows as "time to breach" and sorts by (sort=slaDueAt); null when no clock runs (none, all met, or paused).
 */
export const TicketListItem = Ticket.extend({ slaDueAt: Timestamp.nullable() });
export type TicketListItem = z.infer<typeof TicketListItem>;
export const TicketList = listOf(TicketListItem);

export const BulkTicketBody = z
  .object({
    ids: z.array(Id).min(1).max(1000),
    status: TicketStatusKey.optional(),
    assigneeId: Id.nullable().optional(),
    queueId: Id.nullable().optional(),
    priority: TicketPriority.optional(),
    addTags: Tags.optional(),
    removeTags: Tags.optional(),
    delete: z.boolean().optional(),
  })
  .strict();
export type BulkTicketBody = z.infer<typeof BulkTicketBody>;

export const TicketNumberParams = z.object({ number: z.coerce.number().int().min(1) }).strict();
export const TicketMessageParams = z.object({ id: Id, messageId: Id }).strict();
export const TicketAttachmentParams = z.object({ id: Id, attachmentId: Id }).strict();

// ---- queues and routing ----

export const queueRoutings = ["manual", "round_robin", "least_open"] as const;
export const QueueRouting = z.enum(queueRoutings);
export type QueueRouting = z.infer<typeof QueueRouting>;
export const queueRoutingLabels: Record<QueueRouting, string> = {
  manual: "Manual (agents pick)",
  round_robin: "Round-robin",
  least_open: "Fewest open tickets",
};

export const TicketQueueMember = z.object({ userId: Id, name: z.string().nullable(), available: z.boolean() });
export const TicketQueue = z.object({
  id: Id,
  name: z.string(),
  teamId: Id.nullable(),
  routing: QueueRouting,
  isDefault: z.boolean().describe("Tickets no rule routes elsewhere land here"),
  members: z.array(TicketQueueMember),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TicketQueue = z.infer<typeof TicketQueue>;
export const TicketQueueList = z.object({ data: z.array(TicketQueue) });
export const CreateTicketQueueBody = z
  .object({
    name: z.string().trim().min(1, "Give the queue a name").max(100),
    teamId: Id.nullable().optional(),
    routing: QueueRouting.default("manual"),
    isDefault: z.boolean().optional(),
    memberIds: z.array(Id).max(500).optional(),
  })
  .strict();
export type CreateTicketQueueBody = z.input<typeof CreateTicketQueueBody>;
export const UpdateTicketQueueBody = z
  .object({
    name: z.string().trim().min(1, "Give the queue a name").max(100),
    teamId: Id.nullable(),
    routing: QueueRouting,
    isDefault: z.boolean(),
    memberIds: z.array(Id).max(500),
  })
  .partial()
  .strict();
export type UpdateTicketQueueBody = z.infer<typeof UpdateTicketQueueBody>;
export const QueueMemberParams = z.object({ id: Id, userId: Id }).strict();
export const QueueAvailabilityBody = z.object({ available: z.boolean() }).strict();

export const TicketRoutingRule = z.object({
  id: Id,
  name: z.string(),
  position: z.number().int(),
  active: z.boolean(),
  condition: Condition,
  queueId: Id,
  priority: TicketPriority.nullable().describe("Also set this priority"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TicketRoutingRule = z.infer<typeof TicketRoutingRule>;
export const TicketRoutingRuleList = z.object({ data: z.array(TicketRoutingRule) });
export const CreateTicketRoutingRuleBody = z
  .object({
    name: z.string().trim().min(1, "Give the rule a name").max(100),
    position: z.number().int().min(0).max(10_000).optional(),
    active: z.boolean().optional(),
    condition: Condition,
    queueId: Id,
    priority: TicketPriority.nullable().optional(),
  })
  .strict();
export type CreateTicketRoutingRuleBody = z.infer<typeof CreateTicketRoutingRuleBody>;
export const UpdateTicketRoutingRuleBody = CreateTicketRoutingRuleBody.partial().strict();
export type UpdateTicketRoutingRuleBody = z.infer<typeof UpdateTicketRoutingRuleBody>;

// ---- events ----

/** ticket.message_added's record: which message, never its body (webhooks and logs should not copy mail). */
export const TicketMessageEventRecord = z.object({
  ticketId: Id,
  messageId: Id,
  number: z.number().int(),
  kind: TicketMessageKind,
  direction: TicketMessageDirection,
});
