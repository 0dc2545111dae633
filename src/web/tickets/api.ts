import { queryOptions } from "@tanstack/react-query";
import { ticketChannelLabels, ticketPriorityLabels } from "../../contract/tickets.js";
import { api } from "../http/client.js";
import type { Ticket, TicketListItem, TicketMessage, TicketQueue, TicketStatusDef } from "./types.js";

export type TicketTab = "all" | "mine" | "unassigned" | "overdue";

/** The list's filters as they sit in the page's address (?tab=mine&status=open…), so a view can be bookmarked. */
export interface TicketFilters {
  tab?: TicketTab;
  q?: string;
  status?: string;
  priority?: string;
  channel?: string;
  queueId?: string;
  /** The list's order (an API sort key); the default is newest first. */
  sort?: TicketSort;
  /** Only tickets with an SLA clock due within this many minutes (breached ones included). */
  dueWithin?: number;
}

export type TicketSort = "-createdAt" | "createdAt" | "-updatedAt" | "slaDueAt" | "-priority";
export const ticketSortOptions: { value: TicketSort; label: string }[] = [
  { value: "-createdAt", label: "Newest first" },
  { value: "createdAt", label: "Oldest first" },
  { value: "-updatedAt", label: "Recently updated" },
  { value: "slaDueAt", label: "Time to breach" },
  { value: "-priority", label: "Priority" },
];
export const dueWithinOptions: { value: string; label: string }[] = [
  { value: "60", label: "Due within 1 hour" },
  { value: "240", label: "Due within 4 hours" },
  { value: "1440", label: "Due within 24 hours" },
];

/**
 * The list's "time to breach": how long until the ticket's soonest SLA due time, or how long ago it passed. The due
 * time is counted in the policy's business hours; the distance to it is wall-clock time, as a customer waits.
 */
export function dueLabel(iso: string | null, now = Date.now()): { text: string; color: string } | null {
  if (!iso) return null;
  const ms = Date.parse(iso) - now;
  const span = (abs: number) => {
    const min = Math.max(1, Math.round(abs / 60_000));
    if (min < 60) return `${min} min`;
    const h = Math.floor(min / 60);
    if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
    return `${Math.round(h / 24)} days`;
  };
  if (ms <= 0) return { text: `Breached ${span(-ms)} ago`, color: "red" };
  return { text: `in ${span(ms)}`, color: ms < 3_600_000 ? "orange" : "dimmed" };
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
    sort: f.sort,
    dueWithin: f.dueWithin ? String(f.dueWithin) : undefined,
  };
}

export const fetchTickets = (f: TicketFilters, cursor?: string, limit = 50) =>
  api.get<{ data: TicketListItem[]; nextCursor: string | null }>("/api/v1/tickets", { ...listParams(f), cursor, limit });

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
