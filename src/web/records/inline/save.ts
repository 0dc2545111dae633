import { type InfiniteData, type QueryClient, useMutation, useQueryClient } from "@tanstack/react-query";
import { UpdateCompanyBody, UpdateContactBody, UpdateDealBody } from "../../../contract/index.js";
import { api } from "../../http/client.js";
import { issuesToErrors } from "../../lib/form.js";
import type { EditableObject, EditableRecord } from "./types.js";

/**
 * Per object: the PATCH endpoint (the one the edit form uses, so validation, rules and history are the same),
 * the update schema the form validates with, and the query keys that hold its records.
 */
const targets = {
  contact: { path: "/api/v1/contacts", schema: UpdateContactBody, root: "contact" },
  company: { path: "/api/v1/companies", schema: UpdateCompanyBody, root: "company" },
  deal: { path: "/api/v1/deals", schema: UpdateDealBody, root: "deals" },
} as const;

/** Client-side check with the same contract schema as the edit form: errors keyed by body path, or null. */
export function checkBody(object: EditableObject, body: Record<string, unknown>): Record<string, string> | null {
  const parsed = targets[object].schema.safeParse(body);
  return parsed.success ? null : issuesToErrors(parsed.error.issues);
}

type Page = { data: EditableRecord[]; nextCursor: string | null };

function replaceRow(old: unknown, saved: EditableRecord): unknown {
  if (!old || typeof old !== "object" || !("pages" in old)) return old;
  const data = old as InfiniteData<Page>;
  if (!Array.isArray(data.pages) || !data.pages.every((p) => p && Array.isArray(p.data))) return old;
  let hit = false;
  const pages = data.pages.map((p) => {
    if (!p.data.some((r) => r.id === saved.id)) return p;
    hit = true;
    return { ...p, data: p.data.map((r) => (r.id === saved.id ? saved : r)) };
  });
  return hit ? { ...data, pages } : old;
}

/**
 * Puts the saved record everywhere it shows: its page, and in place in every loaded list (the row stays where it
 * is, so the list doesn't jump under the pointer; lists are marked stale and re-sort on their next load). The
 * timeline refetches to show the change.
 */
export function applySaved(qc: QueryClient, object: EditableObject, saved: EditableRecord): void {
  const root = targets[object].root;
  qc.setQueryData([root, "record", saved.id], saved);
  qc.setQueriesData({ queryKey: [root, "list"] }, (old: unknown) => replaceRow(old, saved));
  void qc.invalidateQueries({ queryKey: [root, "list"], refetchType: "none" });
  void qc.invalidateQueries({ queryKey: ["timeline"] });
  if (object === "deal") {
    void qc.invalidateQueries({ queryKey: ["deals", "board"] });
    void qc.invalidateQueries({ queryKey: ["forecast"] });
    void qc.invalidateQueries({ queryKey: ["purchases"] });
  }
  if (object === "company") {
    // Contacts and deals show the company's name; pickers list it.
    void qc.invalidateQueries({ queryKey: ["company", "options"] });
    void qc.invalidateQueries({ queryKey: ["contact"], refetchType: "none" });
    void qc.invalidateQueries({ queryKey: ["deals"], refetchType: "none" });
  }
}

/** PATCHes one record through the edit form's endpoint and updates every cached copy on success. */
export function useInlineSave(object: EditableObject, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api.patch<EditableRecord>(`${targets[object].path}/${id}`, body),
    // On the hook, not on mutate(): the cache is updated even if the editor closed (or the row scrolled away) meanwhile.
    onSuccess: (saved) => applySaved(qc, object, saved),
  });
}
