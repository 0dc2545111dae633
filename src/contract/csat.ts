import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/** Customer satisfaction surveys (issue #19): sent when a ticket is solved, answered by one click from the email. */

export const csatScales = ["five", "thumbs"] as const;
export const CsatScale = z.enum(csatScales);
export type CsatScale = z.infer<typeof CsatScale>;
export const csatScaleLabels: Record<CsatScale, string> = { five: "1 to 5 stars", thumbs: "Thumbs up or down" };

/** Ratings are stored on one scale (1–5) whatever was asked: thumbs down is 1, thumbs up 5. */
export const fiveLabels: Record<number, string> = { 1: "Very poor", 2: "Poor", 3: "Okay", 4: "Good", 5: "Excellent" };

export const CsatSettings = z.object({
  enabled: z.boolean().describe("Send a survey when a ticket is solved"),
  delayMinutes: z.number().int().describe("How long after the ticket is solved the survey is sent"),
  question: z.string(),
  scale: CsatScale,
  askComment: z.boolean().describe("Offer a comment box after the click"),
  resendDays: z.number().int().describe("A customer surveyed within this many days is not surveyed again"),
});
export type CsatSettings = z.infer<typeof CsatSettings>;

export const UpdateCsatSettingsBody = z
  .object({
    enabled: z.boolean(),
    delayMinutes: z.number().int().min(0, "0 sends at once").max(10_080, "At most a week (10,080 minutes)"),
    question: z.string().trim().min(5, "Ask a question").max(300),
    scale: CsatScale,
    askComment: z.boolean(),
    resendDays: z.number().int().min(0).max(365),
  })
  .partial()
  .strict();
export type UpdateCsatSettingsBody = z.infer<typeof UpdateCsatSettingsBody>;

export const csatSurveyStatuses = ["scheduled", "sent", "skipped", "answered"] as const;
export const CsatSurveyStatus = z.enum(csatSurveyStatuses);
export const csatSkipLabels: Record<string, string> = {
  reopened: "The ticket was reopened before the survey went out",
  no_email: "The customer has no email address",
  do_not_contact: "The customer is marked do-not-contact",
  recently_surveyed: "The customer was surveyed recently",
  disabled: "Surveys were switched off",
};

export const CsatSurvey = z.object({
  id: Id,
  ticketId: Id,
  contactId: Id,
  status: CsatSurveyStatus,
  skipReason: z.string().nullable().describe("Why it was not sent, in words"),
  sendAt: Timestamp,
  sentAt: Timestamp.nullable(),
  rating: z.number().int().min(1).max(5).nullable(),
  comment: z.string().nullable(),
  answeredAt: Timestamp.nullable(),
});
export type CsatSurvey = z.infer<typeof CsatSurvey>;
export const CsatSurveyList = z.object({ data: z.array(CsatSurvey) });

const Bucket = z.object({
  id: Id.nullable(),
  name: z.string(),
  answered: z.number().int(),
  average: z.number().nullable(),
  satisfied: z.number().nullable().describe("Share of answers rated 4 or 5"),
});
export const CsatSummary = z.object({
  sent: z.number().int(),
  answered: z.number().int(),
  responseRate: z.number().nullable(),
  average: z.number().nullable(),
  satisfied: z.number().nullable().describe("Share of answers rated 4 or 5 (the CSAT score)"),
  distribution: z.array(z.object({ rating: z.number().int(), count: z.number().int() })),
  byAgent: z.array(Bucket),
  byQueue: z.array(Bucket),
});
export type CsatSummary = z.infer<typeof CsatSummary>;
export const CsatSummaryQuery = z
  .object({
    days: z.coerce.number().int().min(1).max(3650).default(30).describe("Surveys sent in the last this many days"),
  })
  .strict();
