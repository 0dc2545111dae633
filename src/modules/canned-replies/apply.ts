import type { ApplyMacroBody, ApplyMacroResult } from "../../contract/canned-replies.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { sampleMergeData } from "./merge-data.js";
import { renderTemplate } from "./service.js";

// PRE-MILESTONE: the ticket half lands with svc-core's tickets service.
export async function renderForTicket(ctx: Ctx, input: { body: string; ticketId?: string }): Promise<string> {
  if (input.ticketId) throw new AppError("unavailable", "tickets not merged yet");
  return renderTemplate(input.body, await sampleMergeData(ctx));
}

export async function applyMacro(_ctx: Ctx, _id: string, _input: ApplyMacroBody): Promise<ApplyMacroResult["data"]> {
  throw new AppError("unavailable", "tickets not merged yet");
}
