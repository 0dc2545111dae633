import { queryOptions, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type {
  ApiKey,
  Company,
  Contact,
  CustomField,
  CustomObject,
  Me,
  MyAccess,
  RoleDefinition,
  SavedView,
  Share,
  SharedObject,
  Team,
  User,
  WorkspaceInfo,
} from "../../contract/index.js";
import { api, isApiError } from "./client.js";

export type RecordObject = "contact" | "company";
export const objectPath: Record<RecordObject, string> = { contact: "/api/v1/contacts", company: "/api/v1/companies" };
export type RecordOf<O extends RecordObject> = O extends "contact" ? Contact : Company;

export const meQuery = queryOptions({
  queryKey: ["me"],
  queryFn: async (): Promise<Me | null> => {
    try {
      return await api.get<Me>("/api/v1/auth/me");
    } catch (e) {
      if (isApiError(e) && e.status === 401) return null;
      throw e;
    }
  },
  staleTime: 5 * 60_000,
  retry: 1,
});

/** The signed-in user's rights; under "me" so whatever refreshes who is signed in refreshes these too. */
export const accessQuery = queryOptions({
  queryKey: ["me", "access"],
  queryFn: () => api.get<MyAccess>("/api/v1/me/access"),
  staleTime: 5 * 60_000,
});

/** The workspace's roles with their matrices (admins). */
export const rolesQuery = queryOptions({
  queryKey: ["roles"],
  queryFn: () => api.get<{ data: RoleDefinition[] }>("/api/v1/roles").then((r) => r.data),
});

/** Who a record is shared with beyond the rule. */
export function sharesQuery(object: SharedObject, id: string) {
  return queryOptions({
    queryKey: ["shares", object, id],
    queryFn: () => api.get<{ data: Share[] }>(`/api/v1/shares/${object}/${id}`).then((r) => r.data),
  });
}

/** The current workspace and its defaults (country, currency); readable by every role. */
export const workspaceQuery = queryOptions({ queryKey: ["workspace"], queryFn: () => api.get<WorkspaceInfo>("/api/v1/workspace") });

export const setupQuery = queryOptions({
  queryKey: ["setup"],
  queryFn: () => api.get<{ hasWorkspaces: boolean; signupOpen: boolean }>("/api/v1/setup"),
  staleTime: 60_000,
});

export const usersQuery = queryOptions({
  queryKey: ["users"],
  queryFn: () => api.get<{ data: User[] }>("/api/v1/users").then((r) => r.data),
  staleTime: 60_000,
});

export const teamsQuery = queryOptions({
  queryKey: ["teams"],
  queryFn: () => api.get<{ data: Team[] }>("/api/v1/teams").then((r) => r.data),
  staleTime: 60_000,
});

export const apiKeysQuery = queryOptions({
  queryKey: ["api-keys"],
  queryFn: () => api.get<{ data: ApiKey[] }>("/api/v1/api-keys").then((r) => r.data),
});

export function customFieldsQuery(object: CustomObject) {
  return queryOptions({
    queryKey: ["custom-fields", object],
    queryFn: () =>
      api
        .get<{ data: CustomField[] }>("/api/v1/custom-fields", { object })
        .then((r) => [...r.data].sort((a, b) => a.position - b.position || a.label.localeCompare(b.label))),
    staleTime: 60_000,
  });
}

export function viewsQuery(object: RecordObject) {
  return queryOptions({
    queryKey: ["views", object],
    queryFn: () => api.get<{ data: SavedView[] }>("/api/v1/views", { object }).then((r) => r.data),
    staleTime: 30_000,
  });
}

export function recordQuery<O extends RecordObject>(object: O, id: string) {
  return queryOptions({
    queryKey: [object, "record", id],
    queryFn: () => api.get<RecordOf<O>>(`${objectPath[object]}/${id}`),
  });
}

export function companyOptionsQuery(q: string) {
  return queryOptions({
    queryKey: ["company", "options", q],
    queryFn: ({ signal }) =>
      api.get<{ data: Company[] }>("/api/v1/companies", { q: q || undefined, limit: 20, sort: q ? undefined : "name" }, signal).then((r) => r.data),
    staleTime: 30_000,
  });
}

/** Users by id, for showing owner and author names. Tolerates a 403 (then names are unknown). */
export function useUserMap() {
  const { data } = useQuery({ ...usersQuery, retry: false });
  return useMemo(() => new Map((data ?? []).map((u) => [u.id, u])), [data]);
}
