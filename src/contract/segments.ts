import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition, ConditionInput } from "./conditions.js";

/** Dynamic: a condition over contacts, always current. Static: a list whose members are added by hand, selection or import. */
export const segmentKinds = ["dynamic", "static"] as const;
export const SegmentKind = z.enum(segmentKinds);
export type SegmentKind = z.infer<typeof SegmentKind>;
export const segmentKindLabels: Record<SegmentKind, string> = { dynamic: "Dynamic segment", static: "Static list" };

export const segmentMemberSources = ["manual", "selection", "import", "api"] as const;
export const SegmentMemberSource = z.enum(segmentMemberSources);
export type SegmentMemberSource = z.infer<typeof SegmentMemberSource>;

export const Segment = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  kind: SegmentKind,
  condition: Condition.nullable(),
  /** Members now: a dynamic segment's is counted when read. */
  count: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Segment = z.infer<typeof Segment>;
export const SegmentList = z.object({ data: z.array(Segment) });

const Name = z.string().trim().min(1, "Give the segment a name").max(120, "A name is at most 120 characters");
export const CreateSegmentBody = z
  .object({
    name: Name,
    description: z.string().trim().max(1000).optional(),
    kind: SegmentKind,
    condition: ConditionInput.optional().describe("A dynamic segment's condition over contacts (and their company, deals, activities)"),
  })
  .strict();
export type CreateSegmentBody = z.infer<typeof CreateSegmentBody>;
export const UpdateSegmentBody = z
  .object({
    name: Name.optional(),
    description: z.string().trim().max(1000).optional(),
    condition: ConditionInput.optional(),
  })
  .strict();
export type UpdateSegmentBody = z.infer<typeof UpdateSegmentBody>;

export const SegmentPreviewBody = z.object({ condition: ConditionInput }).strict();
export const SegmentCount = z.object({ count: z.number().int() });

export const SegmentMembersBody = z
  .object({
    contactIds: z.array(Id).min(1, "Choose at least one contact").max(5000, "At most 5,000 contacts at a time"),
    source: SegmentMemberSource.optional(),
  })
  .strict();
export const SegmentMembersResult = z.object({ changed: z.number().int().describe("Contacts added (or removed) that were not (or were) members") });

/** A contact's memberships, for the contact page: static lists it is on and dynamic segments it matches now. */
export const ContactSegments = z.object({ data: z.array(z.object({ id: Id, name: z.string(), kind: SegmentKind })) });

// ---- RFM ----

export const rfmGroups = [
  "champions",
  "loyal",
  "potential_loyalist",
  "new_customers",
  "promising",
  "need_attention",
  "about_to_sleep",
  "at_risk",
  "cant_lose",
  "hibernating",
  "lost",
] as const;
export const RfmGroup = z.enum(rfmGroups);
export type RfmGroup = z.infer<typeof RfmGroup>;
export const rfmGroupLabels: Record<RfmGroup, string> = {
  champions: "Champions",
  loyal: "Loyal",
  potential_loyalist: "Potential loyalist",
  new_customers: "New customers",
  promising: "Promising",
  need_attention: "Need attention",
  about_to_sleep: "About to sleep",
  at_risk: "At risk",
  cant_lose: "Can't lose them",
  hibernating: "Hibernating",
  lost: "Lost",
};

/**
 * The usual RFM map on a 5 × 5 grid of recency against the frequency-and-monetary score: e.g. recent and frequent
 * buyers are champions, frequent buyers who stopped are "can't lose them", old one-off buyers are lost.
 */
export function rfmGroupOf(recency: number, frequencyMonetary: number): RfmGroup {
  const r = recency;
  const fm = frequencyMonetary;
  if (r >= 4 && fm >= 4) return r === 4 && fm === 4 ? "loyal" : "champions";
  if (r === 3 && fm >= 4) return "loyal";
  if (r >= 4 && fm >= 2) return "potential_loyalist";
  if (r === 5) return "new_customers";
  if (r === 4) return "promising";
  if (r === 3) return fm === 3 ? "need_attention" : "about_to_sleep";
  if (fm === 5) return "cant_lose";
  if (fm >= 3) return "at_risk";
  return r === 2 ? "hibernating" : "lost";
}

/** The frequency and monetary quintiles as one score: their average, half rounded up. */
export const frequencyMonetaryOf = (frequency: number, monetary: number): number => Math.ceil((frequency + monetary) / 2);

export const RfmCell = z.object({
  recency: z.number().int().min(1).max(5).describe("5 bought most recently"),
  frequencyMonetary: z.number().int().min(1).max(5).describe("The average of the frequency and monetary quintiles, rounded; 5 buys most"),
  group: RfmGroup,
  count: z.number().int(),
});
export const RfmReport = z.object({
  customers: z.number().int().describe("Contacts with at least one purchase (a won deal)"),
  cells: z.array(RfmCell),
  groups: z.array(z.object({ group: RfmGroup, count: z.number().int() })),
});
export type RfmReport = z.infer<typeof RfmReport>;
export const RfmContactsQuery = z
  .object({
    group: RfmGroup.optional(),
    recency: z.coerce.number().int().min(1).max(5).optional(),
    frequencyMonetary: z.coerce.number().int().min(1).max(5).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export const RfmContactList = z.object({
  data: z.array(
    z.object({
      id: Id,
      name: z.string(),
      email: z.string().nullable(),
      recency: z.number().int(),
      frequency: z.number().int(),
      monetary: z.number().int(),
      group: RfmGroup,
      lastPurchaseAt: Timestamp,
      purchases: z.number().int(),
      revenue: z.string(),
    }),
  ),
  total: z.number().int(),
});
