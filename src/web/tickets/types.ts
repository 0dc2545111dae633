// Interim shapes of svc-core's tickets contract, replaced by src/contract/tickets.ts at the milestone merge.
export interface Ticket {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  type: string | null;
  channel: string;
  queueId: string | null;
  assigneeId: string | null;
  contactId: string | null;
  companyId: string | null;
  dealId: string | null;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}
export interface TicketAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}
export interface TicketMessage {
  id: string;
  ticketId: string;
  kind: "reply" | "note";
  direction: "in" | "out";
  authorUserId: string | null;
  authorContactId: string | null;
  fromAddress: string | null;
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
  originalText: string | null;
  attachments: TicketAttachment[];
  createdAt: string;
}
export interface TicketStatusDef {
  key: string;
  label: string;
  category: "new" | "open" | "pending" | "solved" | "closed";
  slaRunning: boolean;
  position: number;
}
export interface TicketQueue {
  id: string;
  name: string;
}
