import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";

/**
 * Segments, lists and consent share one access object ("segment"): marketing and managers keep them, sales and
 * read-only read them, support has none by default.
 */
export function assertAudienceRead(ctx: Ctx): void {
  if (accessOf(ctx.actor).permissions.segment.read === "none")
    throw new AppError("forbidden", `Your role (${ctx.actor.role.replaceAll("_", "-")}) cannot see segments, lists or consent.`);
}

export function assertAudienceManage(ctx: Ctx): void {
  const rights = accessOf(ctx.actor).permissions.segment;
  if (!rights.create && rights.edit === "none")
    throw new AppError("forbidden", `Your role (${ctx.actor.role.replaceAll("_", "-")}) cannot change segments, lists or consent.`);
}

export const mayManageAudiences = (ctx: Ctx): boolean => {
  const rights = accessOf(ctx.actor).permissions.segment;
  return rights.create || rights.edit !== "none";
};
