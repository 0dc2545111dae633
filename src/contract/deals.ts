import { z } from "zod";
import { CustomValues, Id, ListQueryBase, listOf, Tags, Timestamp } from "./common.js";
import { taskPriorities } from "./tasks.js";

export const stageTypes = ["open", "won", "lost"] as const;
export const StageType = z.enum(stageTypes);
export type StageType = z.infer<typeof StageType>;
export const DealStatus = StageType;
export type DealStatus = StageType;
export const amountSources = ["manual", "line_items"] as const;
export const AmountSource = z.enum(amountSources);
export type AmountSource = z.infer<typeof AmountSource>;

export const Currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, "Use an ISO 4217 code such as EUR")
  .transform((c) => c.toUpperCase());
/** Money in: a number or a decimal string, at most 2 decimals, never negative; stored as numeric. */
export const MoneyInput = z
  .union([z.number(), z.string().trim()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, "Enter an amount such as 1200 or 1200.50 (not negative, at most 2 decimals)"));
export const QuantityInput = z
  .union([z.number(), z.string().trim()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^\d{1,13}(\.\d{1,4})?$/, "Enter a quantity such as 1 or 2.5"))
  .refine((v) => Number(v) > 0, "Quantity must be more than 0");
export const DateOnly = z.iso.date({ error: "Use a date such as 2026-12-31" });

export const TaskTemplate = z
  .object({
    title: z.string().trim().min(1, "Enter a title").max(200),
    description: z.string().max(5000).optional(),
    dueInDays: z.number().int().min(0).max(365).default(0),
    priority: z.enum(taskPriorities).default("normal"),
  })
  .strict();
export type TaskTemplate = z.output<typeof TaskTemplate>;

export const StageInput = z
  .object({
    id: Id.optional().describe("An existing stage's id; omit to add a stage"),
    name: z.string().trim().min(1, "Enter a stage name").max(100),
    probability: z.number().int().min(0).max(100),
    type: StageType.default("open"),
    playbook: z.array(TaskTemplate).max(20).default([]),
  })
  .strict();

export const CreatePipelineBody = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(100),
    isDefault: z.boolean().optional(),
    stages: z.array(StageInput).min(1, "A pipeline needs at least one stage").max(30),
  })
  .strict();
export const UpdatePipelineBody = z
  .object({
    name: z.string().trim().min(1, "Enter a name").max(100).optional(),
    isDefault: z.literal(true).optional().describe("Make this the workspace's default pipeline"),
    stages: z
      .array(StageInput)
      .min(1, "A pipeline needs at least one stage")
      .max(30)
      .optional()
      .describe("The full ordered list: stages left out are deleted, new ones (no id) added"),
    moveDeals: z.record(Id, Id).optional().describe("For each deleted stage that holds deals, the stage (by id) its deals move to"),
  })
  .strict();

export const Stage = z.object({
  id: Id,
  pipelineId: Id,
  name: z.string(),
  position: z.number().int(),
  probability: z.number().int(),
  type: StageType,
  playbook: z.array(z.object({ title: z.string(), description: z.string().optional(), dueInDays: z.number().int(), priority: z.enum(taskPriorities) })),
});
export type Stage = z.infer<typeof Stage>;
export const Pipeline = z.object({
  id: Id,
  name: z.string(),
  isDefault: z.boolean(),
  position: z.number().int(),
  stages: z.array(Stage),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Pipeline = z.infer<typeof Pipeline>;
export const PipelineList = z.object({ data: z.array(Pipeline) });

export const LostReason = z.object({ id: Id, name: z.string(), position: z.number().int() });
export type LostReason = z.infer<typeof LostReason>;
export const LostReasonBody = z.object({ name: z.string().trim().min(1, "Enter a reason").max(100) }).strict();
export const LostReasonList = z.object({ data: z.array(LostReason) });
export const ReorderBody = z.object({ ids: z.array(Id).min(1).max(200) }).strict();

export const DealContactInput = z
  .object({
    contactId: Id,
    role: z.string().trim().min(1).max(50).default("other").describe("e.g. decision_maker, champion, influencer, user, other"),
  })
  .strict();
export const dealContactRoles = ["decision_maker", "champion", "influencer", "economic_buyer", "user", "other"] as const;

export const DealInput = z
  .object({
    name: z.string().trim().min(1, "Enter a deal name").max(200),
    pipelineId: Id.optional(),
    stageId: Id.optional(),
    amount: MoneyInput.nullable().optional(),
    currency: Currency.optional(),
    amountSource: AmountSource.optional(),
    priceListId: Id.nullable().optional(),
    expectedCloseDate: DateOnly.nullable().optional(),
    ownerId: Id.nullable().optional(),
    companyId: Id.nullable().optional(),
    contacts: z.array(DealContactInput).max(50).optional(),
    nextStep: z.string().trim().max(500).nullable().optional(),
    lostReason: z.string().trim().max(300).nullable().optional(),
    source: z.string().trim().max(100).nullable().optional(),
    tags: Tags.optional(),
    custom: CustomValues.optional(),
  })
  .strict();
export const CreateDealBody = DealInput;
export type CreateDealInput = z.input<typeof CreateDealBody>;
export const UpdateDealBody = DealInput.partial().strict();

export const PlaybookTasks = z.object({ data: z.array(z.object({ id: Id, title: z.string() })) });
export const ClosedTasks = z.object({ closed: z.number().int() });

export const MoveDealBody = z
  .object({
    stageId: Id,
    lostReason: z.string().trim().min(1, "Choose a lost reason").max(300).optional(),
  })
  .strict();

export const DealContact = z.object({ contactId: Id, role: z.string(), name: z.string() });
export const Deal = z.object({
  id: Id,
  name: z.string(),
  pipelineId: Id,
  stageId: Id,
  stageName: z.string(),
  stageProbability: z.number().int(),
  status: DealStatus,
  amount: z.string().nullable(),
  currency: z.string(),
  amountSource: AmountSource,
  priceListId: Id.nullable(),
  expectedCloseDate: z.string().nullable(),
  ownerId: Id.nullable(),
  ownerName: z.string().nullable(),
  companyId: Id.nullable(),
  companyName: z.string().nullable(),
  contacts: z.array(DealContact),
  nextStep: z.string().nullable(),
  lostReason: z.string().nullable(),
  source: z.string().nullable(),
  tags: z.array(z.string()),
  custom: z.record(z.string(), z.unknown()),
  stageEnteredAt: Timestamp,
  closedAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable(),
});
export type Deal = z.infer<typeof Deal>;

const NumberParam = z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, "Enter a number");
export const DealListQuery = ListQueryBase.extend({
  pipelineId: Id.optional(),
  stageId: Id.optional(),
  status: DealStatus.optional(),
  ownerId: z.string().max(40).optional().describe("A user id, or 'me'"),
  companyId: Id.optional(),
  contactId: Id.optional(),
  amountMin: NumberParam.optional(),
  amountMax: NumberParam.optional(),
  closeFrom: DateOnly.optional().describe("Expected close date on or after"),
  closeTo: DateOnly.optional().describe("Expected close date on or before"),
}).strict();
export const DealList = listOf(Deal);
export const dealSortFields = ["name", "amount", "expectedCloseDate", "createdAt", "updatedAt", "stageEnteredAt"] as const;

export const BoardQuery = z
  .object({
    ownerId: z.string().max(40).optional(),
    amountMin: NumberParam.optional(),
    amountMax: NumberParam.optional(),
    closeFrom: DateOnly.optional(),
    closeTo: DateOnly.optional(),
    q: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25).describe("Cards per column"),
  })
  .strict();
export const BoardCard = z.object({
  id: Id,
  name: z.string(),
  stageId: Id,
  amount: z.string().nullable(),
  currency: z.string(),
  expectedCloseDate: z.string().nullable(),
  ownerId: Id.nullable(),
  ownerName: z.string().nullable(),
  companyName: z.string().nullable(),
  status: DealStatus,
  stageEnteredAt: Timestamp,
  createdAt: Timestamp,
});
export type BoardCard = z.infer<typeof BoardCard>;
export const BoardColumn = z.object({
  stage: Stage,
  count: z.number().int(),
  /** Sums per currency: deals in different currencies are never added together. */
  totals: z.array(z.object({ currency: z.string(), amount: z.string(), weighted: z.string() })),
  cards: z.array(BoardCard),
  nextCursor: z.string().nullable(),
});
export const Board = z.object({ pipeline: Pipeline, columns: z.array(BoardColumn) });
export type Board = z.infer<typeof Board>;
export const StageCardsQuery = BoardQuery.extend({ cursor: z.string().max(500).optional() }).strict();
export const StageCards = listOf(BoardCard);
export const StageCardsParams = z.object({ id: Id, stageId: Id }).strict();

export const StageChange = z.object({
  id: Id,
  fromStageId: Id.nullable(),
  fromStageName: z.string().nullable(),
  toStageId: Id,
  toStageName: z.string(),
  at: Timestamp,
  actorId: Id.nullable(),
  actorName: z.string().nullable(),
  /** Time spent in the to-stage: until the next change, or until now for the current stage. */
  durationMs: z.number(),
});
export const StageHistory = z.object({
  data: z.array(StageChange),
  /** Total time per stage (a deal can enter a stage more than once). */
  timeInStage: z.array(z.object({ stageId: Id, stageName: z.string(), durationMs: z.number() })),
});

export const LineItemInput = z
  .object({
    id: Id.optional().describe("An existing line item's id; omit to add one"),
    productId: Id.nullable().optional(),
    name: z.string().trim().min(1).max(200).optional().describe("Defaults to the product's name"),
    quantity: QuantityInput,
    unitPrice: MoneyInput.optional().describe("Defaults from the deal's price list, else the product"),
    discountPercent: z.number().min(0).max(100).default(0),
  })
  .strict();
export const ReplaceLineItemsBody = z
  .object({ items: z.array(LineItemInput).max(200), amountSource: AmountSource.optional(), priceListId: Id.nullable().optional() })
  .strict();
export const LineItem = z.object({
  id: Id,
  productId: Id.nullable(),
  sku: z.string().nullable(),
  name: z.string(),
  quantity: z.string(),
  unitPrice: z.string(),
  discountPercent: z.string(),
  total: z.string(),
  position: z.number().int(),
});
export type LineItem = z.infer<typeof LineItem>;
export const LineItemList = z.object({ data: z.array(LineItem), total: z.string(), currency: z.string(), amount: z.string().nullable() });

export const Purchase = z.object({
  dealId: Id,
  lineItemId: Id.nullable().describe("Null for a won deal without line items"),
  dealName: z.string(),
  closedAt: Timestamp,
  productId: Id.nullable(),
  name: z.string(),
  quantity: z.string().nullable(),
  total: z.string(),
  currency: z.string(),
});
export const PurchaseSummary = z.object({
  /** Lifetime value per currency (won deals' amounts). */
  lifetimeValue: z.array(z.object({ currency: z.string(), amount: z.string() })),
  firstPurchaseAt: Timestamp.nullable(),
  lastPurchaseAt: Timestamp.nullable(),
  purchaseCount: z.number().int().describe("Won deals"),
  purchases: z.array(Purchase),
});
export type PurchaseSummary = z.infer<typeof PurchaseSummary>;
