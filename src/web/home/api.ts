import { queryOptions } from "@tanstack/react-query";
import type { HomeActivity, HomeDeals, HomeMeetings, HomeQuota, HomeTasks, NextActionList, NextActionResult, NextActionVerb } from "../../contract/index.js";
import { api } from "../http/client.js";

/** Each home card is its own query: it loads, fails and retries alone. Tasks sit under "tasks" so any task change refreshes them. */
export const homeQueries = {
  tasks: queryOptions({ queryKey: ["tasks", "home"], queryFn: () => api.get<HomeTasks>("/api/v1/home/tasks") }),
  meetings: queryOptions({ queryKey: ["home", "meetings"], queryFn: () => api.get<HomeMeetings>("/api/v1/home/meetings") }),
  deals: queryOptions({ queryKey: ["home", "deals"], queryFn: () => api.get<HomeDeals>("/api/v1/home/deals") }),
  quota: queryOptions({ queryKey: ["home", "quota"], queryFn: () => api.get<HomeQuota>("/api/v1/home/quota") }),
  activity: queryOptions({ queryKey: ["home", "activity"], queryFn: () => api.get<HomeActivity>("/api/v1/home/activity") }),
};

export type NextActionTarget = { object: "contact" | "company" | "deal"; id: string } | undefined;

export const nextActionsQuery = (target: NextActionTarget) =>
  queryOptions({
    queryKey: ["next-actions", target?.object ?? "mine", target?.id ?? ""],
    queryFn: () => api.get<NextActionList>("/api/v1/next-actions", target ? { object: target.object, id: target.id } : undefined),
  });

export const nextActionApi = {
  act: (key: string, verb: NextActionVerb) => api.post<NextActionResult>("/api/v1/next-actions/act", { key, verb }),
  dismiss: (key: string, snoozeDays?: number) => api.post<null>("/api/v1/next-actions/dismiss", snoozeDays ? { key, snoozeDays } : { key }),
  restore: (key: string) => api.post<null>("/api/v1/next-actions/restore", { key }),
};
