export type { Ticket, TicketAttachment, TicketMessage, TicketQueue, TicketRoutingRule, TicketStatusDef } from "../../contract/tickets.js";
