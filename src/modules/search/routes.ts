import type { FastifyInstance } from "fastify";
import { SearchQuery, SearchResult } from "../../contract/search.js";
import { problems, typed } from "../../server/route-kit.js";
import { globalSearch } from "./service.js";

export async function searchRoutes(app: FastifyInstance): Promise<void> {
  typed(app).get(
    "/search",
    {
      schema: {
        tags: ["search"],
        summary: "Companies and contacts by name, email, phone or domain, tolerant of typos",
        querystring: SearchQuery,
        response: { 200: SearchResult, ...problems },
      },
    },
    async (req) => ({
      data: await globalSearch(req.ctx, req.query.q, req.query.limit),
    }),
  );
}
