import type { Role } from "../contract/common.js";
import type { Db } from "../db/types.js";

export interface Actor {
  kind: "user" | "api_key" | "system" | "workflow";
  /** The user acting, or for an API key the user who created it. */
  userId: string | null;
  apiKeyId?: string;
  /** A workflow's run acting on records: history and events name the workflow (actor_id is its id). */
  workflow?: { id: string; name: string; runId: string };
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
}

export const systemActor: Actor = { kind: "system", userId: null, role: "admin" };

/** The id history and events record as the actor: the user, or for a workflow's run the workflow. */
export const actorIdOf = (actor: Actor): string | null => (actor.kind === "workflow" ? (actor.workflow?.id ?? null) : actor.userId);
