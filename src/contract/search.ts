import { z } from "zod";
import { Id } from "./common.js";

export const SearchQuery = z.object({ q: z.string().trim().min(1).max(200), limit: z.coerce.number().int().min(1).max(50).default(10) }).strict();
export const SearchHit = z.object({
  object: z.enum(["company", "contact", "ticket"]),
  id: Id,
  title: z.string(),
  subtitle: z.string().nullable(),
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;
export const SearchResult = z.object({ data: z.array(SearchHit) });
