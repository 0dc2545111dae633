import { createContext, useContext } from "react";
import type { Me } from "../../contract/index.js";

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe() outside the signed-in app");
  return me;
}

/** What the signed-in user may do; the server enforces the same rules, this only hides buttons. */
export function usePermissions() {
  const { user } = useMe();
  return {
    canWrite: user.role !== "read_only",
    isAdmin: user.role === "admin",
    canManageRecords: user.role === "admin" || user.role === "manager",
  };
}
