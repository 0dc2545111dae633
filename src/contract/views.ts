import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition } from "./conditions.js";

export const ViewObject = z.enum(["company", "contact"]);
export const ViewState = z
  .object({
    q: z.string().max(200).optional(),
    sort: z.string().max(100).optional(),
    filters: z.array(Condition).max(30).default([]).describe("All must match; each a condition leaf { field, op, value } or an { all } / { any } group"),
    columns: z.array(z.string().max(100)).max(60).default([]),
  })
  .strict();
export const SavedView = z.object({
  id: Id,
  object: ViewObject,
  name: z.string(),
  shared: z.boolean(),
  ownerId: Id,
  state: ViewState,
  createdAt: Timestamp,
});
export type SavedView = z.infer<typeof SavedView>;
export const CreateViewBody = z
  .object({ object: ViewObject, name: z.string().trim().min(1).max(80), shared: z.boolean().default(false), state: ViewState })
  .strict();
export const UpdateViewBody = z
  .object({ name: z.string().trim().min(1).max(80).optional(), shared: z.boolean().optional(), state: ViewState.optional() })
  .strict();
export const ViewListQuery = z.object({ object: ViewObject.optional() }).strict();
