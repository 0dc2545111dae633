import { queryOptions } from "@tanstack/react-query";
import type { ConsentTopic, ContactConsent, Suppression } from "../../contract/consent.js";
import type { RfmReport, Segment } from "../../contract/segments.js";
import { api } from "../http/client.js";

export const segmentsQuery = queryOptions({ queryKey: ["segments"], queryFn: () => api.get<{ data: Segment[] }>("/api/v1/segments").then((r) => r.data) });
export const segmentQuery = (id: string) => queryOptions({ queryKey: ["segments", id], queryFn: () => api.get<Segment>(`/api/v1/segments/${id}`) });
export const rfmQuery = queryOptions({ queryKey: ["segments", "rfm"], queryFn: () => api.get<RfmReport>("/api/v1/segments/rfm") });
export const topicsQuery = queryOptions({
  queryKey: ["consent-topics"],
  queryFn: () => api.get<{ data: ConsentTopic[] }>("/api/v1/consent/topics").then((r) => r.data),
});
export const contactConsentQuery = (id: string) =>
  queryOptions({ queryKey: ["contact-consent", id], queryFn: () => api.get<ContactConsent>(`/api/v1/contacts/${id}/consent`) });
export const suppressionsQuery = (q: string) =>
  queryOptions({
    queryKey: ["suppressions", q],
    queryFn: () => api.get<{ data: Suppression[]; nextCursor: string | null }>("/api/v1/suppressions", q ? { q, limit: 200 } : { limit: 200 }),
  });
