import { queryOptions } from "@tanstack/react-query";
import type { ApplyMacroResult, CannedReply, Macro, PresenceList, RenderedReply } from "../../contract/canned-replies.js";
import { api } from "../http/client.js";

export const cannedKeys = { all: ["canned-replies"] as const, macros: ["macros"] as const };

export const cannedRepliesQuery = (queueId?: string | null) =>
  queryOptions({
    queryKey: [...cannedKeys.all, queueId ?? "all"],
    queryFn: () =>
      api.get<{ data: CannedReply[]; nextCursor: string | null }>("/api/v1/canned-replies", { limit: 200, queueId: queueId ?? undefined }).then((r) => r.data),
  });

export const macrosQuery = queryOptions({ queryKey: cannedKeys.macros, queryFn: () => api.get<{ data: Macro[] }>("/api/v1/macros").then((r) => r.data) });

export const cannedApi = {
  create: (body: unknown) => api.post<CannedReply>("/api/v1/canned-replies", body),
  update: (id: string, body: unknown) => api.patch<CannedReply>(`/api/v1/canned-replies/${id}`, body),
  remove: (id: string) => api.del(`/api/v1/canned-replies/${id}`),
  render: (id: string, ticketId?: string) => api.post<RenderedReply>(`/api/v1/canned-replies/${id}/render`, { ticketId }),
  preview: (body: string, ticketId?: string) => api.post<RenderedReply>("/api/v1/canned-replies/preview", { body, ticketId }),
  createMacro: (body: unknown) => api.post<Macro>("/api/v1/macros", body),
  updateMacro: (id: string, body: unknown) => api.patch<Macro>(`/api/v1/macros/${id}`, body),
  removeMacro: (id: string) => api.del(`/api/v1/macros/${id}`),
  applyMacro: (id: string, ticketIds: string[], sendReply: boolean) => api.post<ApplyMacroResult>(`/api/v1/macros/${id}/apply`, { ticketIds, sendReply }),
  presence: (ticketId: string) => api.get<PresenceList>(`/api/v1/tickets/${ticketId}/presence`),
  putPresence: (ticketId: string, state: "viewing" | "replying" | "left") => api.put<PresenceList>(`/api/v1/tickets/${ticketId}/presence`, { state }),
};
