import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  AudienceCount,
  AudienceCountBody,
  Campaign,
  CampaignList,
  CampaignReport,
  ContactCampaigns,
  CreateCampaignBody,
  RecipientList,
  RecipientListQuery,
  ReportQuery,
  UpdateCampaignBody,
} from "../../contract/campaigns.js";
import { IdParams } from "../../contract/common.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import type { CampaignJob } from "./engine.js";
import {
  type CampaignQueue,
  campaignReport,
  cancelCampaign,
  contactCampaigns,
  countAudience,
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  listRecipients,
  pauseCampaign,
  resumeCampaign,
  startCampaign,
  updateCampaign,
} from "./service.js";

export interface CampaignRouteDeps {
  /** The default sender, and how a campaign's next batch is queued (the job system). */
  queue: () => Promise<{ defaultFrom: string; schedule(job: CampaignJob, at?: Date): Promise<void> }>;
  clock?: { now(): number };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  // A leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Marketing → Campaigns: the marketing role runs them, sales and read-only read them. */
export async function campaignRoutes(app: FastifyInstance, deps: CampaignRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["campaigns"];
  const now = () => new Date(deps.clock?.now() ?? Date.now());
  const queue = async (): Promise<CampaignQueue> => ({ ...(await deps.queue()), now });

  r.get(
    "/campaigns",
    { schema: { tags, summary: "Campaigns, newest first, with their key numbers", response: { 200: CampaignList, ...problems } } },
    async (req) => ({
      data: await listCampaigns(req.ctx),
    }),
  );
  r.post(
    "/campaigns",
    { schema: { tags, summary: "Create a draft campaign", body: CreateCampaignBody, response: { 201: Campaign, ...problems } } },
    async (req, reply) => reply.status(201).send(await createCampaign(req.ctx, await queue(), req.body)),
  );
  r.post(
    "/campaigns/audience-count",
    {
      schema: {
        tags,
        summary: "How many contacts an audience reaches, and how many of them can be mailed",
        body: AudienceCountBody,
        response: { 200: AudienceCount, ...problems },
      },
    },
    async (req) => countAudience(req.ctx, req.body.audience),
  );
  r.get("/campaigns/:id", { schema: { tags, params: IdParams, response: { 200: Campaign, ...problems } } }, async (req) => getCampaign(req.ctx, req.params.id));
  r.patch(
    "/campaigns/:id",
    { schema: { tags, summary: "Change a draft", params: IdParams, body: UpdateCampaignBody, response: { 200: Campaign, ...problems } } },
    async (req) => updateCampaign(req.ctx, await queue(), req.params.id, req.body),
  );
  r.delete("/campaigns/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteCampaign(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  const action = (name: string, summary: string, run: (req: { ctx: Parameters<typeof pauseCampaign>[0]; params: { id: string } }) => Promise<Campaign>) =>
    r.post(`/campaigns/:id/${name}`, { schema: { tags, summary, params: IdParams, response: { 200: Campaign, ...problems } } }, async (req) => run(req));
  action("start", "Send now, or at the scheduled time: the recipients are fixed now", async (req) => startCampaign(req.ctx, await queue(), req.params.id));
  action("pause", "Stop after the batch in flight", async (req) => pauseCampaign(req.ctx, req.params.id));
  action("resume", "Continue a paused campaign", async (req) => resumeCampaign(req.ctx, await queue(), req.params.id));
  action("cancel", "Stop for good; waiting recipients are not sent", async (req) => cancelCampaign(req.ctx, req.params.id));
  r.get(
    "/campaigns/:id/report",
    {
      schema: {
        tags,
        summary: "Sent, delivered, bounced, opens (people and machines), clicks by link, unsubscribes, complaints, influenced deals",
        params: IdParams,
        querystring: ReportQuery,
        response: { 200: CampaignReport, ...problems },
      },
    },
    async (req) => campaignReport(req.ctx, req.params.id, req.query.days),
  );
  r.get(
    "/campaigns/:id/recipients",
    {
      schema: {
        tags,
        summary: "Recipients with their status, opens and clicks, by page",
        params: IdParams,
        querystring: RecipientListQuery,
        response: { 200: RecipientList, ...problems },
      },
    },
    async (req) => listRecipients(req.ctx, req.params.id, req.query),
  );
  r.get(
    "/campaigns/:id/recipients.csv",
    { schema: { tags, summary: "Every recipient as CSV", params: IdParams, response: { 200: z.string(), ...problems } } },
    async (req, reply) => {
      const header = ["name", "email", "variant", "status", "sent_at", "opens", "machine_opens", "clicks", "first_open_at", "first_click_at", "error"];
      const lines = [header.join(",")];
      let cursor: string | undefined;
      do {
        const page = await listRecipients(req.ctx, req.params.id, { limit: 500, cursor });
        for (const x of page.data)
          lines.push(
            [x.contactName, x.email, x.variant, x.status, x.sentAt, x.opens, x.machineOpens, x.clicks, x.firstOpenAt, x.firstClickAt, x.error]
              .map(csvCell)
              .join(","),
          );
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="campaign-${req.params.id}.csv"`)
        .send(`${lines.join("\r\n")}\r\n`);
    },
  );
  r.get(
    "/contacts/:id/campaigns",
    { schema: { tags, summary: "The campaigns a contact received", params: IdParams, response: { 200: ContactCampaigns, ...problems } } },
    async (req) => contactCampaigns(req.ctx, req.params.id),
  );
}
