import type { Role } from "../contract/common.js";
import type { Db } from "../db/types.js";

export interface Actor {
  kind: "user" | "api_key" | "system";
  /** The user acting, or for an API key the user who created it. */
  userId: string | null;
  apiKeyId?: string;
  role: Role;
}

/** What every service function takes: the database, the workspace it acts in, and who acts. */
export interface Ctx {
  db: Db;
  workspaceId: string;
  actor: Actor;
  /**
   * Set by bulk loads (CSV and vCard imports) so every change they make, whichever service writes it, publishes its
   * events flagged "import": consumers may skip them. Omitted: the actor decides (app, api or system).
   */
  eventSource?: "import";
  /** Where a request came from (its client address and user agent): the audit log keeps it beside each change. */
  origin?: RequestOrigin;
}

export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

export const systemActor: Actor = { kind: "system", userId: null, role: "admin" };
