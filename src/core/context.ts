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
}

export const systemActor: Actor = { kind: "system", userId: null, role: "admin" };
