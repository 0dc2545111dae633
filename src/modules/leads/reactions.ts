/**
 * What lead scoring does when other modules' records change, read from the event stream (src/jobs/system.ts feeds
 * these to its consumers) instead of being called by those modules after their commit: a request that logs an
 * activity or edits a company no longer waits for, nor fails on, rescoring, and the reaction happens exactly once
 * per event, after a crash too.
 */
import type { Event, EventType } from "../../contract/events.js";
import { systemActor } from "../../core/context.js";
import type { Db } from "../../db/types.js";
import { rescoreContacts } from "./scoring.js";

/** Activity changes that can change what engagement rules count. */
export const engagementEventTypes = ["activity.logged", "activity.updated", "activity.deleted", "activity.restored"] as const satisfies readonly EventType[];

interface ActivityRecord {
  contactId?: string | null;
  attendees?: { kind: string; id: string }[];
}

/** The contacts an activity event engages: the one it is filed on and every attendee contact. */
export function engagedContactIds(event: Event): string[] {
  if (event.type === "activity.updated" && !event.data.changes.some((c) => c.field === "occurredAt" || c.field === "attendees")) return [];
  const record = (event.data.record ?? {}) as ActivityRecord;
  const ids = [record.contactId, ...(record.attendees ?? []).filter((a) => a.kind === "contact").map((a) => a.id)];
  // An update that drops an attendee: the contact it leaves loses the engagement too.
  for (const change of event.data.changes)
    if (change.field === "attendees" && Array.isArray(change.from))
      for (const a of change.from as ActivityRecord["attendees"] & object) if (a.kind === "contact") ids.push(a.id);
  return [...new Set(ids.filter((id): id is string => typeof id === "string" && id.length > 0))];
}

/**
 * Rescores the contacts a batch of activity events engaged, inside the consumer's transaction (so the new scores
 * commit with its cursor). A batch holds at most a few hundred events, so this stays small; the bulk case, a
 * company's every contact, goes to a job instead (companyRescores).
 */
export async function rescoreEngaged(tx: Db, events: readonly Event[]): Promise<void> {
  const byWorkspace = new Map<string, Set<string>>();
  for (const e of events) {
    const ids = engagedContactIds(e);
    if (ids.length === 0) continue;
    const set = byWorkspace.get(e.workspaceId) ?? new Set<string>();
    for (const id of ids) set.add(id);
    byWorkspace.set(e.workspaceId, set);
  }
  for (const [workspaceId, ids] of byWorkspace) await rescoreContacts({ db: tx, workspaceId, actor: systemActor }, [...ids]);
}

/** Scoring and assignment rules read a company's size and industry: a change to either rescores its contacts. */
export function companyRescores(events: readonly Event[]): { workspaceId: string; companyId: string }[] {
  const seen = new Map<string, { workspaceId: string; companyId: string }>();
  for (const e of events) {
    if (e.type !== "company.updated" || !e.data.changes.some((c) => c.field === "employees" || c.field === "industry")) continue;
    seen.set(`${e.workspaceId}:${e.recordId}`, { workspaceId: e.workspaceId, companyId: e.recordId });
  }
  return [...seen.values()];
}
