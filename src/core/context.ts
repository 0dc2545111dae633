import type { Role } from "../contract/common.js";
import type { FieldRules, Permissions } from "../contract/roles.js";
import type { Db } from "../db/types.js";

/**
 * What an actor may reach, resolved once per request (src/modules/roles/service.ts `resolveAccess`): the role's
 * matrix and field rules, and the people and teams its "team" scope and shares stand for. Read it through
 * `accessOf` (src/core/access.ts).
 */
export interface Access {
  manageSettings: boolean;
  permissions: Permissions;
  fieldRules: FieldRules;
  /** The user and everyone sharing a team with them: whose records "team" reaches. */
  teammateIds: readonly string[];
  /** The user's teams: records shared with one of them are shared with the user. */
  teamIds: readonly string[];
}

export interface Actor {
  kind: "user" | "api_key" | "system" | "workflow";
  /** The user acting, or for an API key the user who created it. */
  userId: string | null;
  apiKeyId?: string;
  /** A workflow's run acting on records: history and events name the workflow (actor_id is its id). */
  workflow?: { id: string; name: string; runId: string };
  role: Role;
  /** The role's rights as resolved for this request; absent: the role's built-in defaults (src/core/access.ts). */
  access?: Access;
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

/** The id history and events record as the actor: the user, or for a workflow's run the workflow. */
export const actorIdOf = (actor: Actor): string | null => (actor.kind === "workflow" ? (actor.workflow?.id ?? null) : actor.userId);
