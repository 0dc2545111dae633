export type { Ticket, TicketAttachment, TicketListItem, TicketMessage, TicketQueue, TicketRoutingRule, TicketStatusDef } from "../../contract/tickets.js";
