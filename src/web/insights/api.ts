import type { AtRiskList, InsightModel, ModelKind, ModelObject, RecordScore } from "../../contract/index.js";
import { api } from "../http/client.js";

export const insightKeys = {
  models: ["insights", "models"] as const,
  model: (id: string) => ["insights", "models", id] as const,
  scores: (object: ModelObject, id: string) => ["insights", "scores", object, id] as const,
  ranked: (kind: ModelKind) => ["insights", "ranked", kind] as const,
};

const whileTraining = (models: InsightModel[] | InsightModel | undefined) =>
  (Array.isArray(models) ? models : models ? [models] : []).some((m) => m.status === "training") ? 1500 : false;

export const modelsQuery = {
  queryKey: insightKeys.models,
  queryFn: async () => (await api.get<{ data: InsightModel[] }>("/api/v1/insights/models")).data,
  // Training runs as a job: follow its progress while one is running.
  refetchInterval: (q: { state: { data?: InsightModel[] } }) => whileTraining(q.state.data),
};
export const modelQuery = (id: string) => ({
  queryKey: insightKeys.model(id),
  queryFn: () => api.get<InsightModel>(`/api/v1/insights/models/${id}`),
  refetchInterval: (q: { state: { data?: InsightModel } }) => whileTraining(q.state.data),
});
export const scoresQuery = (object: ModelObject, id: string) => ({
  queryKey: insightKeys.scores(object, id),
  queryFn: async () => (await api.get<{ data: RecordScore[] }>(`/api/v1/insights/scores/${object}/${id}`)).data,
});
export const rankedQuery = (kind: ModelKind, limit = 50) => ({
  queryKey: [...insightKeys.ranked(kind), limit],
  queryFn: () => api.get<AtRiskList>(`/api/v1/insights/ranked/${kind}?limit=${limit}`),
});

export const insightsApi = {
  create: (body: unknown) => api.post<InsightModel>("/api/v1/insights/models", body),
  update: (id: string, body: unknown) => api.patch<InsightModel>(`/api/v1/insights/models/${id}`, body),
  remove: (id: string) => api.del(`/api/v1/insights/models/${id}`),
  train: (id: string) => api.post<{ id: string; status: string }>(`/api/v1/insights/models/${id}/train`, {}),
};

/** "62 %" */
export const percent = (p: number) => `${Math.round(p * 100)} %`;
/** "+12 %" / "−9 %": a factor's effect in probability points. */
export const signedPoints = (effect: number) => {
  const v = Math.round(effect * 100);
  return v === 0 ? (effect >= 0 ? "+<1 %" : "−<1 %") : `${v > 0 ? "+" : "−"}${Math.abs(v)} %`;
};
