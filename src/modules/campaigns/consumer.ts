import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Consumer } from "../events/service.js";
import { campaignRecipients } from "./table.js";

const Bounced = z.object({ kind: z.enum(["hard", "soft"]) });
const Unsubscribed = z.object({ contactId: z.uuid() });
const r = campaignRecipients;

/**
 * Bounces, complaints and unsubscribes land on the campaign recipient they are about, for the report: a bounce or
 * complaint names the outbox message (its record id is the recipient's id); an unsubscribe names the contact, and is
 * put on the campaign it most recently received.
 */
export const campaignFeedbackConsumer: Consumer = {
  name: "campaigns.feedback",
  types: ["mail.bounced", "mail.complained", "marketing.unsubscribed"],
  async handle(tx, events) {
    for (const e of events) {
      const at = new Date(e.occurredAt).toISOString();
      if (e.type === "mail.bounced") {
        const b = Bounced.safeParse(e.data.record);
        // A soft bounce is retried by the sender's server; only a hard one counts as bounced.
        if (!b.success || b.data.kind !== "hard") continue;
        await tx.execute(
          sql`update ${r} set bounced_at = coalesce(bounced_at, ${at}::timestamptz) where workspace_id = ${e.workspaceId}::uuid and id = ${e.recordId}::uuid`,
        );
      } else if (e.type === "mail.complained") {
        await tx.execute(
          sql`update ${r} set complained_at = coalesce(complained_at, ${at}::timestamptz) where workspace_id = ${e.workspaceId}::uuid and id = ${e.recordId}::uuid`,
        );
      } else {
        const u = Unsubscribed.safeParse(e.data.record);
        if (!u.success) continue;
        await tx.execute(sql`update ${r} set unsubscribed_at = ${at}::timestamptz
          where workspace_id = ${e.workspaceId}::uuid and id = (select id from ${r} where workspace_id = ${e.workspaceId}::uuid
            and contact_id = ${u.data.contactId}::uuid and sent_at is not null and sent_at <= ${at}::timestamptz and unsubscribed_at is null order by sent_at desc limit 1)`);
      }
    }
  },
};
