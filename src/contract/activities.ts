import { z } from "zod";
import { Id, Timestamp } from "./common.js";

export const activityTypes = ["note", "call", "email", "meeting"] as const;
export const ActivityType = z.enum(activityTypes);
export type ActivityType = z.infer<typeof ActivityType>;

export const callOutcomes = ["connected", "left_voicemail", "no_answer", "busy", "wrong_number"] as const;

const Base = {
  subject: z.string().trim().max(300).optional(),
  body: z.string().max(100_000).optional().describe("HTML; sanitised on write"),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
};

export const MeetingAttendees = z
  .object({
    contactIds: z.array(Id).max(100).default([]),
    userIds: z.array(Id).max(100).default([]),
  })
  .strict();

const MeetingFields = {
  endsAt: z.iso.datetime({ offset: true }).optional(),
  location: z.string().max(300).optional(),
  videoUrl: z
    .url({ protocol: /^https?$/, error: "Enter a full http(s) link" })
    .max(1000)
    .optional(),
  outcome: z.string().max(300).optional(),
  attendees: MeetingAttendees.optional().describe("Contacts and users taking part; the meeting shows on each contact's and their company's timeline"),
};

export const CreateActivityBody = z.discriminatedUnion("type", [
  z.object({ type: z.literal("note"), ...Base }).strict(),
  z
    .object({
      type: z.literal("call"),
      ...Base,
      direction: z.enum(["inbound", "outbound"]),
      durationSeconds: z.number().int().min(0).max(86_400),
      outcome: z.enum(callOutcomes),
    })
    .strict(),
  z
    .object({
      type: z.literal("email"),
      ...Base,
      direction: z.enum(["inbound", "outbound"]),
      from: z.string().max(300).optional(),
      to: z.array(z.string().max(300)).max(100).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal("meeting"),
      ...Base,
      ...MeetingFields,
    })
    .strict(),
]);
export type CreateActivityBody = z.infer<typeof CreateActivityBody>;

export const UpdateActivityBody = z.object({ subject: Base.subject.nullable(), body: Base.body.nullable(), occurredAt: Base.occurredAt }).partial().strict();

/** A meeting scheduled from the calendar: linked to a record optionally, shown on every attendee's timeline. */
export const ScheduleMeetingBody = z
  .object({
    subject: z.string().trim().min(1, "Give the meeting a title").max(300),
    body: Base.body,
    startsAt: z.iso.datetime({ offset: true, error: "Use an ISO 8601 date-time" }),
    ...MeetingFields,
    endsAt: z.iso.datetime({ offset: true, error: "Use an ISO 8601 date-time" }),
    related: z
      .object({ object: z.enum(["contact", "company", "deal"]), id: Id })
      .strict()
      .optional(),
  })
  .strict();
export type ScheduleMeetingBody = z.infer<typeof ScheduleMeetingBody>;

export const UpdateMeetingBody = z
  .object({
    subject: z.string().trim().min(1).max(300),
    body: Base.body.nullable(),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    location: z.string().max(300).nullable(),
    videoUrl: z
      .url({ protocol: /^https?$/, error: "Enter a full http(s) link" })
      .max(1000)
      .nullable(),
    outcome: z.string().max(300).nullable(),
    attendees: MeetingAttendees,
  })
  .partial()
  .strict();
export type UpdateMeetingBody = z.infer<typeof UpdateMeetingBody>;

export const Attendee = z.object({ kind: z.enum(["contact", "user"]), id: Id, name: z.string().nullable() });
export type Attendee = z.infer<typeof Attendee>;

export const Activity = z.object({
  id: Id,
  type: ActivityType,
  subject: z.string().nullable(),
  body: z.string().nullable(),
  occurredAt: Timestamp,
  details: z.record(z.string(), z.unknown()),
  contactId: Id.nullable(),
  companyId: Id.nullable(),
  dealId: Id.nullable(),
  authorId: Id.nullable(),
  attendees: z.array(Attendee).describe("Meetings only; empty otherwise"),
  createdAt: Timestamp,
});
export type Activity = z.infer<typeof Activity>;

export const FieldChange = z.object({ field: z.string(), from: z.unknown(), to: z.unknown() });

export const TimelineEntry = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("activity"), at: Timestamp, activity: Activity, about: z.string().nullable() }),
  z.object({
    kind: z.literal("change"),
    at: Timestamp,
    id: Id,
    action: z.enum(["create", "update", "delete", "restore", "merge"]),
    actorId: Id.nullable(),
    actorName: z.string().nullable(),
    changes: z.array(FieldChange),
    about: z.string().nullable(),
    /** Display names of the records and users that id-valued changes (owner, company…) point to. */
    refs: z.record(z.string(), z.string()),
  }),
  z.object({
    kind: z.literal("ticket"),
    at: Timestamp,
    ticket: z.object({
      id: Id,
      number: z.number().int(),
      subject: z.string(),
      status: z.string(),
      statusLabel: z.string(),
      statusCategory: z.string(),
      priority: z.string(),
      channel: z.string(),
    }),
    about: z.string().nullable().describe("On a company's timeline: the contact who opened it"),
  }),
  z.object({
    kind: z.literal("submission"),
    at: Timestamp,
    id: Id,
    formId: Id,
    formName: z.string().nullable().describe("Null once the form is deleted"),
    outcome: z.enum(["created", "updated"]),
    values: z.array(z.object({ key: z.string(), label: z.string(), value: z.string() })),
    utm: z.record(z.string(), z.string()),
    referrer: z.string().nullable(),
  }),
]);
export type TimelineEntry = z.infer<typeof TimelineEntry>;
/** What a timeline can be narrowed to: the four kinds of activity, and field changes. */
export const timelineKinds = [...activityTypes, "change", "ticket"] as const;
export type TimelineKind = (typeof timelineKinds)[number];
const timelineKindList = new RegExp(`^(${timelineKinds.join("|")})(,(${timelineKinds.join("|")}))*$`);
export const TimelineQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    types: z
      .string()
      .regex(timelineKindList, `Use a comma-separated list of ${timelineKinds.join(", ")}`)
      .optional()
      .describe("Only these kinds of entry (comma-separated: note, call, email, meeting, change, ticket); all when omitted"),
  })
  .strict();
export const Timeline = z.object({ data: z.array(TimelineEntry), nextCursor: z.string().nullable() });

export const MeetingRangeQuery = z
  .object({
    from: z.iso.datetime({ offset: true, error: "Use an ISO 8601 date-time" }),
    to: z.iso.datetime({ offset: true, error: "Use an ISO 8601 date-time" }),
    userId: z
      .string()
      .regex(/^(me|[0-9a-f-]{36})$/i, "Use me or a user id")
      .default("me"),
  })
  .strict();
export const MeetingList = z.object({ data: z.array(Activity) });
