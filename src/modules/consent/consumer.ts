import { MailFeedbackRecord } from "../../contract/consent.js";
import type { Consumer } from "../events/service.js";
import { applyMailFeedback } from "./service.js";

/** Bounces and complaints published by the mail side (mail.bounced, mail.complained) feed the suppression list. */
export const mailFeedbackConsumer: Consumer = {
  name: "consent.mail_feedback",
  types: ["mail.bounced", "mail.complained"],
  async handle(tx, events) {
    for (const e of events) {
      const parsed = MailFeedbackRecord.safeParse(e.data.record);
      // A malformed payload is skipped, not retried for ever: it cannot become valid.
      if (!parsed.success) continue;
      await applyMailFeedback(tx, e.workspaceId, e.type as "mail.bounced" | "mail.complained", parsed.data, new Date(e.occurredAt));
    }
  },
};
