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
      endsAt: z.iso.datetime({ offset: true }).optional(),
      location: z.string().max(300).optional(),
      outcome: z.string().max(300).optional(),
    })
    .strict(),
]);
export type CreateActivityBody = z.infer<typeof CreateActivityBody>;

export const UpdateActivityBody = z.object({ subject: Base.subject.nullable(), body: Base.body.nullable(), occurredAt: Base.occurredAt }).partial().strict();

export const Activity = z.object({
  id: Id,
  type: ActivityType,
  subject: z.string().nullable(),
  body: z.string().nullable(),
  occurredAt: Timestamp,
  details: z.record(z.string(), z.unknown()),
  contactId: Id.nullable(),
  companyId: Id.nullable(),
  authorId: Id.nullable(),
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
  }),
]);
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export const TimelineQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional() }).strict();
export const Timeline = z.object({ data: z.array(TimelineEntry), nextCursor: z.string().nullable() });
