import { queryOptions } from "@tanstack/react-query";
import type { Board, BoardCard, Contact, Deal, LineItem, LostReason, Pipeline, PriceList, Product, PurchaseSummary } from "../../contract/index.js";
import { api } from "../http/client.js";

export interface BoardFilters {
  ownerId?: string;
  closeFrom?: string;
  closeTo?: string;
  amountMin?: string;
  amountMax?: string;
  q?: string;
  /** A condition as JSON (the list's `filter`): a report's drill-down. */
  filter?: string;
}

export const CARDS_PER_COLUMN = 25;

export const pipelinesQuery = queryOptions({
  queryKey: ["pipelines"],
  queryFn: () => api.get<{ data: Pipeline[] }>("/api/v1/pipelines").then((r) => r.data),
  staleTime: 60_000,
});

export const lostReasonsQuery = queryOptions({
  queryKey: ["lost-reasons"],
  queryFn: () => api.get<{ data: LostReason[] }>("/api/v1/lost-reasons").then((r) => r.data),
  staleTime: 60_000,
});

/** Where the deals page remembers, per tab, whether it shows the board or the table. */
export const DEALS_VIEW_KEY = "rapport:deals-view";

/** The pipeline the deals page opens on: the default one, else the first. */
export const defaultPipeline = (pipelines: Pipeline[] | undefined): Pipeline | undefined => pipelines?.find((p) => p.isDefault) ?? pipelines?.[0];

export const boardKey = (pipelineId: string, filters: BoardFilters) => ["deals", "board", pipelineId, filters] as const;
export const boardQuery = (pipelineId: string, filters: BoardFilters) =>
  queryOptions({
    queryKey: boardKey(pipelineId, filters),
    queryFn: ({ signal }) => api.get<Board>(`/api/v1/pipelines/${pipelineId}/board`, { ...filters, limit: CARDS_PER_COLUMN }, signal),
  });

export const fetchMoreCards = (pipelineId: string, stageId: string, filters: BoardFilters, cursor: string) =>
  api.get<{ data: BoardCard[]; nextCursor: string | null }>(`/api/v1/pipelines/${pipelineId}/stages/${stageId}/deals`, {
    ...filters,
    limit: CARDS_PER_COLUMN,
    cursor,
  });

export const dealQuery = (id: string) => queryOptions({ queryKey: ["deals", "record", id], queryFn: () => api.get<Deal>(`/api/v1/deals/${id}`) });

export interface StageHistoryEntry {
  id: string;
  fromStageName: string | null;
  toStageId: string;
  toStageName: string;
  at: string;
  actorName: string | null;
  durationMs: number;
}
export const stageHistoryQuery = (id: string) =>
  queryOptions({
    queryKey: ["deals", "stage-history", id],
    queryFn: () =>
      api.get<{ data: StageHistoryEntry[]; timeInStage: { stageId: string; stageName: string; durationMs: number }[] }>(`/api/v1/deals/${id}/stage-history`),
  });

export interface LineItemsReply {
  data: LineItem[];
  total: string;
  currency: string;
  amount: string | null;
}
export const lineItemsQuery = (id: string) =>
  queryOptions({ queryKey: ["deals", "line-items", id], queryFn: () => api.get<LineItemsReply>(`/api/v1/deals/${id}/line-items`) });

export const productsQuery = (q = "", active?: boolean) =>
  queryOptions({
    queryKey: ["products", q, active],
    queryFn: ({ signal }) =>
      api.get<{ data: Product[]; nextCursor: string | null }>(
        "/api/v1/products",
        { q: q || undefined, limit: 100, active: active === undefined ? undefined : String(active) },
        signal,
      ),
    staleTime: 30_000,
  });

export const priceListsQuery = queryOptions({
  queryKey: ["price-lists"],
  queryFn: () => api.get<{ data: (Omit<PriceList, "entries"> & { entryCount: number })[] }>("/api/v1/price-lists").then((r) => r.data),
  staleTime: 30_000,
});
export const priceListQuery = (id: string) => queryOptions({ queryKey: ["price-lists", id], queryFn: () => api.get<PriceList>(`/api/v1/price-lists/${id}`) });

export const purchasesQuery = (object: "contact" | "company", id: string) =>
  queryOptions({
    queryKey: ["purchases", object, id],
    queryFn: () => api.get<PurchaseSummary>(`/api/v1/${object === "contact" ? "contacts" : "companies"}/${id}/purchases`),
  });

export const contactOptionsQuery = (q: string) =>
  queryOptions({
    queryKey: ["contact", "options", q],
    queryFn: ({ signal }) => api.get<{ data: Contact[] }>("/api/v1/contacts", { q: q || undefined, limit: 20 }, signal).then((r) => r.data),
    staleTime: 30_000,
  });

export const dealTasksQuery = (id: string) =>
  queryOptions({
    queryKey: ["tasks", "deal", id],
    queryFn: () =>
      api.get<{ data: { id: string; title: string; status: string; dueAt: string | null; priority: string; assigneeId: string }[] }>("/api/v1/tasks", {
        assignee: "all",
        relatedObject: "deal",
        relatedId: id,
        limit: 100,
      }),
  });

/** "3 d 4 h", "5 h", "12 min": time in a stage. */
export function formatSpan(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${Math.max(min, 0)} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export { dealContactRoleLabels as roleLabels } from "../../contract/index.js";
