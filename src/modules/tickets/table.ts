import { type SQL, sql } from "drizzle-orm";
import { boolean, check, customType, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type {
  QueueRouting,
  TicketAddress,
  TicketChannel,
  TicketMessageDirection,
  TicketMessageKind,
  TicketPriority,
  TicketStatusCategory,
} from "../../contract/tickets.js";
import { ticketChannels, ticketPriorities, ticketStatusCategories } from "../../contract/tickets.js";
import { createdAt, deletedAt, emptyArray, emptyObject, emptyTextArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { companies, tsvector } from "../companies/table.js";
import { contacts } from "../contacts/table.js";
import { deals } from "../deals/table.js";
import { teams, users } from "../users/table.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const inList = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);

/** node-postgres returns a Buffer, PGlite a Uint8Array: both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
});

/** One row per workspace: the last ticket number given out, bumped with UPDATE … RETURNING so two creations never share one. */
export const ticketCounters = pgTable(
  "ticket_counters",
  {
    workspaceId: workspaceId(),
    lastNumber: integer("last_number").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId] })],
);

/** A workspace's statuses: the built-in six (renamable) and any added; a ticket's status is one of these keys. */
export const ticketStatuses = pgTable(
  "ticket_statuses",
  {
    workspaceId: workspaceId(),
    key: text("key").notNull(),
    label: text("label").notNull(),
    category: text("category").$type<TicketStatusCategory>().notNull(),
    slaRunning: boolean("sla_running").notNull(),
    position: integer("position").notNull().default(0),
    builtIn: boolean("built_in").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] }), check("ticket_statuses_category_check", inList("category", ticketStatusCategories))],
);

export const ticketQueues = pgTable(
  "ticket_queues",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    teamId: uuid("team_id"),
    routing: text("routing").$type<QueueRouting>().notNull().default("manual"),
    isDefault: boolean("is_default").notNull().default(false),
    /** Round-robin's cursor: the member who got the last ticket; the next goes to the one after. */
    lastAssignedUserId: uuid("last_assigned_user_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("ticket_queues_team_fk", [t.workspaceId, t.teamId], [teams.workspaceId, teams.id], "set null"),
    reference("ticket_queues_last_assigned_fk", [t.workspaceId, t.lastAssignedUserId], [users.workspaceId, users.id], "set null"),
    uniqueIndex("ticket_queues_name_key").on(t.workspaceId, t.name),
    // At most one default queue per workspace.
    uniqueIndex("ticket_queues_default_key").on(t.workspaceId).where(sql`is_default`),
    check("ticket_queues_routing_check", sql`routing in ('manual', 'round_robin', 'least_open')`),
  ],
);

/** Who works a queue; only available members are routed new tickets. */
export const ticketQueueMembers = pgTable(
  "ticket_queue_members",
  {
    workspaceId: workspaceId(),
    queueId: uuid("queue_id").notNull(),
    userId: uuid("user_id").notNull(),
    available: boolean("available").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.queueId, t.userId] }),
    reference("ticket_queue_members_queue_fk", [t.workspaceId, t.queueId], [ticketQueues.workspaceId, ticketQueues.id], "cascade"),
    reference("ticket_queue_members_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    index("ticket_queue_members_user_idx").on(t.workspaceId, t.userId),
  ],
);

/** Rules tried in position order when a ticket arrives without a queue: the first whose condition holds routes it. */
export const ticketRoutingRules = pgTable(
  "ticket_routing_rules",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    position: integer("position").notNull().default(0),
    active: boolean("active").notNull().default(true),
    condition: jsonb("condition").$type<Condition>().notNull(),
    queueId: uuid("queue_id").notNull(),
    priority: text("priority").$type<TicketPriority>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("ticket_routing_rules_queue_fk", [t.workspaceId, t.queueId], [ticketQueues.workspaceId, ticketQueues.id], "cascade"),
    index("ticket_routing_rules_position_idx").on(t.workspaceId, t.position),
  ],
);

export const tickets = pgTable(
  "tickets",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    number: integer("number").notNull(),
    subject: text("subject").notNull(),
    status: text("status").notNull(),
    priority: text("priority").$type<TicketPriority>().notNull().default("normal"),
    type: text("type"),
    channel: text("channel").$type<TicketChannel>().notNull(),
    queueId: uuid("queue_id"),
    assigneeId: uuid("assignee_id"),
    contactId: uuid("contact_id"),
    companyId: uuid("company_id"),
    dealId: uuid("deal_id"),
    tags: text("tags").array().notNull().default(emptyTextArray),
    custom: jsonb("custom").$type<Record<string, unknown>>().notNull().default(emptyObject),
    satisfaction: smallint("satisfaction"),
    firstResponseAt: at("first_response_at"),
    lastCustomerMessageAt: at("last_customer_message_at"),
    lastAgentMessageAt: at("last_agent_message_at"),
    solvedAt: at("solved_at"),
    closedAt: at("closed_at"),
    createdById: uuid("created_by_id"),
    /** Subject and the messages' visible text (capped), what full-text search reads. */
    searchText: text("search_text").notNull().default(""),
    searchVector: tsvector("search_vector").generatedAlwaysAs((): SQL => sql`to_tsvector('simple', ${tickets.searchText})`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("tickets_number_key").on(t.workspaceId, t.number),
    reference("tickets_queue_fk", [t.workspaceId, t.queueId], [ticketQueues.workspaceId, ticketQueues.id], "set null"),
    reference("tickets_assignee_fk", [t.workspaceId, t.assigneeId], [users.workspaceId, users.id], "set null"),
    reference("tickets_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "set null"),
    reference("tickets_company_fk", [t.workspaceId, t.companyId], [companies.workspaceId, companies.id], "set null"),
    reference("tickets_deal_fk", [t.workspaceId, t.dealId], [deals.workspaceId, deals.id], "set null"),
    reference("tickets_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    check("tickets_priority_check", inList("priority", ticketPriorities)),
    check("tickets_channel_check", inList("channel", ticketChannels)),
    check("tickets_satisfaction_check", sql`satisfaction is null or satisfaction between 1 and 5`),
    index("tickets_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("tickets_updated_idx").on(t.workspaceId, t.updatedAt, t.id),
    index("tickets_status_idx").on(t.workspaceId, t.status, t.createdAt, t.id),
    index("tickets_assignee_idx").on(t.workspaceId, t.assigneeId, t.status, t.createdAt, t.id),
    index("tickets_queue_idx").on(t.workspaceId, t.queueId, t.status, t.createdAt, t.id),
    index("tickets_contact_idx").on(t.workspaceId, t.contactId, t.createdAt),
    index("tickets_company_idx").on(t.workspaceId, t.companyId, t.createdAt),
    index("tickets_deal_idx").on(t.workspaceId, t.dealId),
    index("tickets_tags_idx").using("gin", t.tags),
    index("tickets_search_vector_idx").using("gin", t.searchVector),
    index("tickets_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
  ],
);

export const ticketMessages = pgTable(
  "ticket_messages",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    ticketId: uuid("ticket_id").notNull(),
    kind: text("kind").$type<TicketMessageKind>().notNull(),
    direction: text("direction").$type<TicketMessageDirection>().notNull(),
    authorUserId: uuid("author_user_id"),
    authorContactId: uuid("author_contact_id"),
    fromAddress: text("from_address"),
    toAddresses: jsonb("to_addresses").$type<TicketAddress[]>().notNull().default(emptyArray),
    ccAddresses: jsonb("cc_addresses").$type<TicketAddress[]>().notNull().default(emptyArray),
    subject: text("subject"),
    bodyText: text("body_text").notNull(),
    bodyHtml: text("body_html"),
    originalText: text("original_text"),
    /** RFC 5322 Message-ID without the angle brackets: what threading matches replies against. */
    messageId: text("message_id"),
    inReplyTo: text("in_reply_to"),
    references: text("references").array().notNull().default(emptyTextArray),
    headers: jsonb("headers").$type<Record<string, unknown>>().notNull().default(emptyObject),
    /** The outbox message that carries an agent's reply to the customer. */
    mailId: uuid("mail_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("ticket_messages_ticket_fk", [t.workspaceId, t.ticketId], [tickets.workspaceId, tickets.id], "cascade"),
    reference("ticket_messages_author_user_fk", [t.workspaceId, t.authorUserId], [users.workspaceId, users.id], "set null"),
    reference("ticket_messages_author_contact_fk", [t.workspaceId, t.authorContactId], [contacts.workspaceId, contacts.id], "set null"),
    check("ticket_messages_kind_check", sql`kind in ('reply', 'note')`),
    check("ticket_messages_direction_check", sql`direction in ('in', 'out')`),
    index("ticket_messages_ticket_idx").on(t.workspaceId, t.ticketId, t.createdAt, t.id),
    index("ticket_messages_message_id_idx").on(t.workspaceId, t.messageId),
  ],
);

/** Files of a message, in the database: one backup holds everything, and every server process reads the same bytes. */
export const ticketAttachments = pgTable(
  "ticket_attachments",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    ticketId: uuid("ticket_id").notNull(),
    messageId: uuid("message_id").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    content: bytea("content").notNull(),
    contentId: text("content_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("ticket_attachments_ticket_fk", [t.workspaceId, t.ticketId], [tickets.workspaceId, tickets.id], "cascade"),
    reference("ticket_attachments_message_fk", [t.workspaceId, t.messageId], [ticketMessages.workspaceId, ticketMessages.id], "cascade"),
    index("ticket_attachments_message_idx").on(t.workspaceId, t.messageId),
  ],
);
