import { z } from "zod";
import { Id, listOf, Tags, Timestamp } from "./common.js";

/** Who sees a canned reply or macro: only its owner, or everyone in the workspace (optionally narrowed to a queue). */
export const cannedScopes = ["personal", "shared"] as const;
export const CannedScope = z.enum(cannedScopes);
export type CannedScope = z.infer<typeof CannedScope>;
export const cannedScopeLabels: Record<CannedScope, string> = { personal: "Only me", shared: "Shared with the team" };

/** The merge fields a canned reply may use, with the label the editor shows. */
export const cannedMergeFields = [
  { key: "ticket.number", label: "Ticket number" },
  { key: "ticket.subject", label: "Ticket subject" },
  { key: "contact.first_name", label: "Contact first name" },
  { key: "contact.last_name", label: "Contact last name" },
  { key: "contact.name", label: "Contact full name" },
  { key: "company.name", label: "Company" },
  { key: "agent.name", label: "Agent name" },
  { key: "agent.first_name", label: "Agent first name" },
  { key: "workspace.name", label: "Workspace name" },
] as const;

const Name = z.string().trim().min(1, "Give it a name").max(120);
const Body = z.string().min(1, "Write the reply").max(20_000);

export const CreateCannedReplyBody = z
  .object({
    name: Name,
    body: Body.describe("liquidjs template; merge fields like {{ contact.first_name }}"),
    scope: CannedScope.default("personal"),
    queueId: Id.nullable().optional().describe("Shared replies only: offered on this queue's tickets (null: every queue)"),
  })
  .strict();
export type CreateCannedReplyBody = z.input<typeof CreateCannedReplyBody>;

export const UpdateCannedReplyBody = z.object({ name: Name, body: Body, scope: CannedScope, queueId: Id.nullable() }).partial().strict();
export type UpdateCannedReplyBody = z.infer<typeof UpdateCannedReplyBody>;

export const CannedReply = z.object({
  id: Id,
  name: z.string(),
  body: z.string(),
  scope: CannedScope,
  queueId: Id.nullable(),
  ownerId: Id.nullable(),
  ownerName: z.string().nullable(),
  mayEdit: z.boolean().describe("Whether the caller may change or delete it"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type CannedReply = z.infer<typeof CannedReply>;

export const CannedListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(100),
    cursor: z.string().max(500).optional(),
    q: z.string().max(200).optional().describe("Words in the name or body"),
    queueId: Id.optional().describe("Only those offered on this queue's tickets (its own and the ones for every queue)"),
  })
  .strict();
export type CannedListQuery = z.infer<typeof CannedListQuery>;
export const CannedReplyList = listOf(CannedReply);

export const RenderCannedBody = z
  .object({
    ticketId: Id.optional().describe("The ticket whose fields fill the merge fields; omitted: sample values"),
    body: Body.optional().describe("Render this template instead of the stored one (the editor's preview)"),
  })
  .strict();
export const RenderedReply = z.object({ text: z.string() });
export type RenderedReply = z.infer<typeof RenderedReply>;

/** A template's syntax error where it is, as the workflow editor reports it. */
export const TemplateProblem = z.object({ message: z.string(), line: z.number().int().nullable(), column: z.number().int().nullable() });

// ---- macros ----

export const MacroChanges = z
  .object({
    status: z.string().max(60).optional().describe("A ticket status key"),
    priority: z.enum(["low", "normal", "high", "urgent"]).optional(),
    assigneeId: z
      .union([Id, z.literal("me"), z.literal("none")])
      .optional()
      .describe("A user, me (whoever applies it) or none (unassign)"),
    queueId: z.union([Id, z.literal("none")]).optional(),
    addTags: Tags.optional(),
    removeTags: Tags.optional(),
  })
  .strict();
export type MacroChanges = z.infer<typeof MacroChanges>;

export const macroReplyKinds = ["reply", "note"] as const;
export const MacroReplyKind = z.enum(macroReplyKinds);

export const CreateMacroBody = z
  .object({
    name: Name,
    cannedReplyId: Id.nullable().optional().describe("The reply it writes; none: field changes only"),
    replyKind: MacroReplyKind.default("reply").describe("Whether its reply goes to the customer or stays an internal note"),
    changes: MacroChanges.default({}),
    scope: CannedScope.default("personal"),
  })
  .strict();
export type CreateMacroBody = z.input<typeof CreateMacroBody>;
export const UpdateMacroBody = z
  .object({ name: Name, cannedReplyId: Id.nullable(), replyKind: MacroReplyKind, changes: MacroChanges, scope: CannedScope })
  .partial()
  .strict();
export type UpdateMacroBody = z.infer<typeof UpdateMacroBody>;

export const Macro = z.object({
  id: Id,
  name: z.string(),
  cannedReplyId: Id.nullable(),
  cannedReplyName: z.string().nullable(),
  replyKind: MacroReplyKind,
  changes: MacroChanges,
  scope: CannedScope,
  ownerId: Id.nullable(),
  mayEdit: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Macro = z.infer<typeof Macro>;
export const MacroList = z.object({ data: z.array(Macro) });

export const ApplyMacroBody = z
  .object({
    ticketIds: z.array(Id).min(1).max(200),
    sendReply: z
      .boolean()
      .default(true)
      .describe("true adds the macro's reply to each ticket; false only renders it (the composer fills in and the agent sends)"),
  })
  .strict();
export type ApplyMacroBody = z.input<typeof ApplyMacroBody>;
export const MacroResult = z.object({
  ticketId: Id,
  ok: z.boolean(),
  error: z.string().nullable(),
  reply: z.string().nullable().describe("The rendered reply (sent, or for the composer when sendReply is false)"),
  messageId: Id.nullable(),
});
export const ApplyMacroResult = z.object({ data: z.array(MacroResult) });
export type ApplyMacroResult = z.infer<typeof ApplyMacroResult>;

// ---- collision warning ----

export const presenceStates = ["viewing", "replying"] as const;
export const PresenceState = z.enum(presenceStates);
export type PresenceState = z.infer<typeof PresenceState>;
export const presenceStateLabels: Record<PresenceState, string> = { viewing: "is viewing", replying: "is replying" };

export const PutPresenceBody = z
  .object({ state: z.enum(["viewing", "replying", "left"]).describe("left: the agent closed the ticket; their mark goes at once") })
  .strict();
export const Presence = z.object({ userId: Id, name: z.string(), state: PresenceState, seenAt: Timestamp, self: z.boolean() });
export type Presence = z.infer<typeof Presence>;
export const PresenceList = z.object({
  data: z.array(Presence),
  expiresAfterSeconds: z.number().int().describe("A mark not renewed within this long is gone"),
});
export type PresenceList = z.infer<typeof PresenceList>;
