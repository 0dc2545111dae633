import type { ConsentSource } from "../../contract/consent.js";
import { MailFeedbackRecord } from "../../contract/consent.js";
import type { Consumer } from "../events/service.js";
import { applyMailFeedback, recordConsentFlags } from "./service.js";

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
