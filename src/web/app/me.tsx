import { createContext, useContext, useMemo } from "react";
import type { AccessObject, FieldAccess, Me, MyAccess, Scope, Share } from "../../contract/index.js";

export const MeContext = createContext<Me | null>(null);
/** The signed-in user's rights (GET /me/access), loaded with `me` before any page renders. */
export const AccessContext = createContext<MyAccess | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe() outside the signed-in app");
  return me;
}

export type RecordAction = "edit" | "delete";

/** Whether a scope reaches a record with this owner, as the server's ownerAllows decides it. */
function reaches(scope: Scope, ownerId: string | null | undefined, userId: string, teammateIds: readonly string[]): boolean {
  if (scope === "all") return true;
  if (scope === "none" || !ownerId) return false;
  return scope === "own" ? ownerId === userId : teammateIds.includes(ownerId);
}

/**
 * What the signed-in user may do, from their role's permission matrix; the server enforces the same rules, this
 * only hides what would be refused.
 */
export function usePermissions() {
  const { user } = useMe();
  const access = useContext(AccessContext);
  return useMemo(() => {
    const p = access?.permissions;
    const may = (object: AccessObject, action: "create" | RecordAction | "read"): boolean => {
      if (!p) return user.role !== "read_only";
      return action === "create" ? p[object].create : p[object][action] !== "none";
    };
    /** Whether the role's rule, or a share with the user or one of their teams, lets them change or delete this record. */
    const mayRecord = (object: AccessObject, action: RecordAction, record: { ownerId?: string | null }, shares?: readonly Share[]): boolean => {
      if (!p) return user.role !== "read_only";
      if (reaches(p[object][action], record.ownerId, user.id, access.teammateIds)) return true;
      if (action !== "edit" || !shares) return false;
      return shares.some((s) => s.level === "edit" && (s.userId === user.id || (s.teamId !== null && access.teamIds.includes(s.teamId))));
    };
    const fieldAccess = (object: AccessObject, key: string): FieldAccess | undefined => access?.fieldRules[object]?.[key];
    return {
      canWrite: p ? Object.values(p).some((r) => r.create || r.edit !== "none") || Boolean(access?.manageSettings) : user.role !== "read_only",
      isAdmin: access ? access.manageSettings : user.role === "admin",
      canManageRecords: user.role === "admin" || user.role === "manager",
      may,
      mayRecord,
      fieldAccess,
      /** A task is changed by whom its assignee's rule allows, and by its creator while their role changes tasks at all. */
      mayChangeTask: (t: { assigneeId: string; createdById: string | null }): boolean =>
        mayRecord("task", "edit", { ownerId: t.assigneeId }) || (t.createdById === user.id && may("task", "edit")),
    };
  }, [access, user.id, user.role]);
}

/** What the record page the user is on lets them do, shares included; inline fields read it instead of the bare rule. */
export const RecordRightsContext = createContext<{ edit: boolean; delete: boolean } | null>(null);
export const useRecordRights = () => useContext(RecordRightsContext);
