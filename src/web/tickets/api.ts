import { queryOptions } from "@tanstack/react-query";
import { ticketChannelLabels, ticketPriorityLabels } from "../../contract/tickets.js";
import { api } from "../http/client.js";
import type { Ticket, TicketMessage, TicketQueue, TicketStatusDef } from "./types.js";

export type TicketTab = "all" | "mine" | "unassigned" | "overdue";

/** The list's filters as they sit in the page's address (?tab=mine&status=open…), so a view can be bookmarked. */
export interface TicketFilters {
  tab?: TicketTab;
  q?: string;
  status?: string;
  priority?: string;
  channel?: string;
  queueId?: string;
}

export const ticketKeys = {
  all: ["tickets"] as const,
  list: (f: TicketFilters) => ["tickets", "list", f] as const,
  one: (id: string) => ["tickets", "one", id] as const,
  messages: (id: string) => ["tickets", "messages", id] as const,
};

/** The list query the API takes for a tab and filters: "mine" and "unassigned" are assignee filters, "overdue" SLA's. */
export function listParams(f: TicketFilters): Record<string, string | undefined> {
  return {
    q: f.q || undefined,
    status: f.status,
    priority: f.priority,
    channel: f.channel,
    queue: f.queueId,
    assignee: f.tab === "mine" ? "me" : f.tab === "unassigned" ? "none" : undefined,
    overdue: f.tab === "overdue" ? "true" : undefined,
  };
}

export const fetchTickets = (f: TicketFilters, cursor?: string, limit = 50) =>
  api.get<{ data: Ticket[]; nextCursor: string | null }>("/api/v1/tickets", { ...listParams(f), cursor, limit });

export const ticketQuery = (id: string) => queryOptions({ queryKey: ticketKeys.one(id), queryFn: () => api.get<Ticket>(`/api/v1/tickets/${id}`) });
export const messagesQuery = (id: string) =>
  queryOptions({
    queryKey: ticketKeys.messages(id),
    queryFn: () => api.get<{ data: TicketMessage[] }>(`/api/v1/tickets/${id}/messages`).then((r) => r.data),
  });
export const statusesQuery = queryOptions({
  queryKey: ["ticket-statuses"],
  queryFn: () => api.get<{ data: TicketStatusDef[] }>("/api/v1/ticket-statuses").then((r) => r.data),
  staleTime: 60_000,
});
export const queuesQuery = queryOptions({
  queryKey: ["ticket-queues"],
  queryFn: () => api.get<{ data: TicketQueue[] }>("/api/v1/ticket-queues").then((r) => r.data),
  staleTime: 60_000,
});

export const ticketApi = {
  create: (body: unknown) => api.post<Ticket>("/api/v1/tickets", body),
  update: (id: string, body: unknown) => api.patch<Ticket>(`/api/v1/tickets/${id}`, body),
  bulk: (body: unknown) => api.post<{ affected: number }>("/api/v1/tickets/bulk", body),
  addMessage: (id: string, body: unknown) => api.post<TicketMessage>(`/api/v1/tickets/${id}/messages`, body),
  attachmentHref: (ticketId: string, attachmentId: string) => `/api/v1/tickets/${ticketId}/attachments/${attachmentId}`,
};

export const priorityLabels: Record<string, string> = ticketPriorityLabels;
export const priorityColors: Record<string, string> = { low: "gray", normal: "blue", high: "orange", urgent: "red" };
export const channelLabels: Record<string, string> = ticketChannelLabels;
export const categoryColors: Record<string, string> = { new: "blue", open: "teal", pending: "yellow", solved: "gray", closed: "dark" };

/** The label of a status key, falling back to a readable form of the key (never the raw code). */
export const statusLabel = (statuses: readonly TicketStatusDef[] | undefined, key: string) =>
  statuses?.find((s) => s.key === key)?.label ?? key.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
