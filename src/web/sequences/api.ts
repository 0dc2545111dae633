import { queryOptions } from "@tanstack/react-query";
import type { EmailTemplate } from "../../contract/email-templates.js";
import type { Enrolment, Sequence, SequenceStats } from "../../contract/sequences.js";
import { api } from "../http/client.js";

export const sequencesQuery = queryOptions({ queryKey: ["sequences"], queryFn: () => api.get<{ data: Sequence[] }>("/api/v1/sequences").then((r) => r.data) });
export const sequenceQuery = (id: string) => queryOptions({ queryKey: ["sequences", id], queryFn: () => api.get<Sequence>(`/api/v1/sequences/${id}`) });
export const sequenceStatsQuery = (id: string) =>
  queryOptions({ queryKey: ["sequences", id, "stats"], queryFn: () => api.get<SequenceStats>(`/api/v1/sequences/${id}/stats`) });
export const enrolmentsQuery = (id: string) =>
  queryOptions({
    queryKey: ["sequences", id, "enrolments"],
    queryFn: () => api.get<{ data: Enrolment[]; nextCursor: string | null }>(`/api/v1/sequences/${id}/enrolments`, { limit: 200 }),
  });
export const contactSequencesQuery = (contactId: string) =>
  queryOptions({
    queryKey: ["contact-sequences", contactId],
    queryFn: () => api.get<{ data: Enrolment[] }>(`/api/v1/contacts/${contactId}/sequences`).then((r) => r.data),
  });
export const templatesQuery = queryOptions({
  queryKey: ["email-templates"],
  queryFn: () => api.get<{ data: EmailTemplate[] }>("/api/v1/email-templates").then((r) => r.data),
});

/** "2 days 3 hours" from minutes. */
export function delayLabel(minutes: number): string {
  if (minutes === 0) return "at once";
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = [d ? `${d} day${d === 1 ? "" : "s"}` : "", h ? `${h} hour${h === 1 ? "" : "s"}` : "", m ? `${m} min` : ""].filter(Boolean);
  return `after ${parts.join(" ")}`;
}
