import { z } from "zod";
import type { ConsentSource } from "../../contract/consent.js";
import { MailFeedbackRecord } from "../../contract/consent.js";
import type { Consumer } from "../events/service.js";
import { applyMailFeedback, applyUnsubscribe, recordConsentFlags } from "./service.js";

const UnsubscribedRecord = z.object({ contactId: z.uuid(), address: z.string(), source: z.string() });

/** Bounces, complaints and unsubscribes published by the mail side feed the suppression list and consent records. */
export const mailFeedbackConsumer: Consumer = {
  name: "consent.mail_feedback",
  types: ["mail.bounced", "mail.complained", "marketing.unsubscribed"],
  async handle(tx, events) {
    for (const e of events) {
      if (e.type === "marketing.unsubscribed") {
        const unsubscribed = UnsubscribedRecord.safeParse(e.data.record);
        if (unsubscribed.success) await applyUnsubscribe(tx, e.workspaceId, unsubscribed.data, new Date(e.occurredAt));
        continue;
      }
      const parsed = MailFeedbackRecord.safeParse(e.data.record);
      // A malformed payload is skipped, not retried for ever: it cannot become valid.
      if (!parsed.success) continue;
      await applyMailFeedback(tx, e.workspaceId, e.type as "mail.bounced" | "mail.complained", parsed.data, new Date(e.occurredAt));
    }
  },
};

const sourceOf: Record<string, ConsentSource> = { import: "import", api: "api", app: "manual", system: "manual" };

/**
 * A contact's email-consent checkbox becomes a consent record: ticked when created (by hand, API or an import's
 * column), or changed later. Imports included: that is how an import sets consent with its source stated.
 */
export const consentFlagConsumer: Consumer = {
  name: "consent.flags",
  types: ["contact.created", "contact.updated"],
  batchSize: 1000,
  async handle(tx, events) {
    const flags = events.flatMap((e) => {
      const change = e.data.changes.find((c) => c.field === "emailConsent");
      const record = e.data.record as { emailConsent?: boolean } | null;
      const granted = change ? change.to === true : e.type === "contact.created" && record?.emailConsent === true ? true : null;
      if (granted === null || (e.type === "contact.created" && !granted && !change)) return [];
      if (e.type === "contact.created" && !granted) return [];
      return [
        { workspaceId: e.workspaceId, contactId: e.recordId, granted, source: sourceOf[e.source] ?? "manual", at: new Date(e.occurredAt), actorId: null },
      ];
    });
    await recordConsentFlags(tx, flags);
  },
};
