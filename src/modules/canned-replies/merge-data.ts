import type { Ctx } from "../../core/context.js";
import { userNames } from "../users/service.js";
import { getWorkspaceInfo } from "../workspaces/service.js";
import type { MergeData } from "./service.js";

const firstWord = (name: string) => name.trim().split(/\s+/)[0] ?? "";

/** The agent and workspace part of the merge data: whoever renders the reply signs it. */
export async function agentAndWorkspace(ctx: Ctx): Promise<Pick<MergeData, "agent" | "workspace">> {
  const agentName = ctx.actor.userId ? ((await userNames(ctx, [ctx.actor.userId])).get(ctx.actor.userId) ?? "") : "";
  const workspace = await getWorkspaceInfo(ctx);
  return { agent: { name: agentName, first_name: firstWord(agentName) }, workspace: { name: workspace.name } };
}

/** What the editor's preview fills in when no ticket is chosen: plainly sample values. */
export async function sampleMergeData(ctx: Ctx): Promise<MergeData> {
  return {
    ticket: { number: 1234, subject: "Example: my order has not arrived" },
    contact: { first_name: "Alex", last_name: "Example", name: "Alex Example", email: "alex@example.com" },
    company: { name: "Example Ltd" },
    ...(await agentAndWorkspace(ctx)),
  };
}
