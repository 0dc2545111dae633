import type { BusinessCalendar, SlaPolicy, TicketSla } from "../../contract/index.js";
import { api } from "../http/client.js";

export const slaKeys = {
  calendars: ["sla", "calendars"] as const,
  policies: ["sla", "policies"] as const,
  ticket: (id: string) => ["sla", "ticket", id] as const,
};

export const calendarsQuery = {
  queryKey: slaKeys.calendars,
  queryFn: async () => (await api.get<{ data: BusinessCalendar[] }>("/api/v1/sla/calendars")).data,
};
export const policiesQuery = {
  queryKey: slaKeys.policies,
  queryFn: async () => (await api.get<{ data: SlaPolicy[] }>("/api/v1/sla/policies")).data,
};
export const ticketSlaQuery = (ticketId: string) => ({
  queryKey: slaKeys.ticket(ticketId),
  queryFn: () => api.get<TicketSla>(`/api/v1/tickets/${ticketId}/sla`),
  // Remaining time moves by itself: refresh while the page is open.
  refetchInterval: 60_000,
});

export const slaApi = {
  createCalendar: (body: unknown) => api.post<BusinessCalendar>("/api/v1/sla/calendars", body),
  updateCalendar: (id: string, body: unknown) => api.patch<BusinessCalendar>(`/api/v1/sla/calendars/${id}`, body),
  deleteCalendar: (id: string) => api.del(`/api/v1/sla/calendars/${id}`),
  importHolidays: (id: string, ics: string) =>
    api.post<{ calendar: BusinessCalendar; added: number; skipped: number }>(`/api/v1/sla/calendars/${id}/holidays/import`, { ics }),
  createPolicy: (body: unknown) => api.post<SlaPolicy>("/api/v1/sla/policies", body),
  updatePolicy: (id: string, body: unknown) => api.patch<SlaPolicy>(`/api/v1/sla/policies/${id}`, body),
  deletePolicy: (id: string) => api.del(`/api/v1/sla/policies/${id}`),
};

/** "26 h 5 min" of business time (hours, not days: a business day's length depends on the calendar). */
export function formatBusinessMinutes(total: number): string {
  const m = Math.round(Math.abs(total));
  const hours = Math.floor(m / 60);
  const minutes = m % 60;
  return [hours ? `${hours} h` : "", minutes || !hours ? `${minutes} min` : ""].filter(Boolean).join(" ");
}
