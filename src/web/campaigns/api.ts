import { queryOptions } from "@tanstack/react-query";
import type { CampaignRecipient } from "../../contract/campaigns.js";
import type { Campaign, CampaignReport, EmailTemplate, RecipientStatus } from "../../contract/index.js";
import { api } from "../http/client.js";

const live = (c: Campaign | undefined) => c?.status === "sending" || c?.status === "scheduled";

export const campaignsQuery = queryOptions({
  queryKey: ["campaigns"],
  queryFn: () => api.get<{ data: Campaign[] }>("/api/v1/campaigns").then((r) => r.data),
  // Progress while anything is sending.
  refetchInterval: (q) => ((q.state.data ?? []).some((c) => live(c)) ? 2000 : false),
});
export const campaignReportQuery = (id: string, days: number) =>
  queryOptions({
    queryKey: ["campaigns", id, "report", days],
    queryFn: () => api.get<CampaignReport>(`/api/v1/campaigns/${id}/report`, { days }),
    refetchInterval: (q) => (live(q.state.data?.campaign) ? 2000 : 15000),
  });
export const recipientsQuery = (id: string, cursor: string | null, status: RecipientStatus | null) =>
  queryOptions({
    queryKey: ["campaigns", id, "recipients", cursor, status],
    queryFn: () =>
      api.get<{ data: CampaignRecipient[]; nextCursor: string | null }>(`/api/v1/campaigns/${id}/recipients`, {
        limit: 50,
        ...(cursor ? { cursor } : {}),
        ...(status ? { status } : {}),
      }),
  });
export const templatesQuery = queryOptions({
  queryKey: ["email-templates"],
  queryFn: () => api.get<{ data: EmailTemplate[] }>("/api/v1/email-templates").then((r) => r.data),
});
