import type { FastifyInstance } from "fastify";
import { HomeActivity, HomeDeals, HomeMeetings, HomeQuota, HomeTasks } from "../../contract/home.js";
import { problems, typed } from "../../server/route-kit.js";
import { homeActivity, homeDeals, homeMeetings, homeQuota, homeTasks } from "./service.js";

/** The home page's cards, one route each: every card loads, fails and retries on its own. */
export async function homeRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["home"];
  r.get(
    "/home/tasks",
    { schema: { tags, summary: "My open tasks overdue and due today (the workspace's today)", response: { 200: HomeTasks, ...problems } } },
    async (req) => homeTasks(req.ctx),
  );
  r.get(
    "/home/meetings",
    { schema: { tags, summary: "My meetings today, as organiser or attendee", response: { 200: HomeMeetings, ...problems } } },
    async (req) => homeMeetings(req.ctx),
  );
  r.get(
    "/home/deals",
    { schema: { tags, summary: "My open deals expected to close this month, with totals per currency", response: { 200: HomeDeals, ...problems } } },
    async (req) => homeDeals(req.ctx),
  );
  r.get(
    "/home/quota",
    { schema: { tags, summary: "My quota of the running period and how much of it I have won", response: { 200: HomeQuota, ...problems } } },
    async (req) => homeQuota(req.ctx),
  );
  r.get(
    "/home/activity",
    { schema: { tags, summary: "What others logged on my deals, contacts and companies in the last two weeks", response: { 200: HomeActivity, ...problems } } },
    async (req) => homeActivity(req.ctx),
  );
}
