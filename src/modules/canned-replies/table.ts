import { index, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import type { CannedScope, MacroChanges } from "../../contract/canned-replies.js";
import { createdAt, emptyObject, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { ticketQueues } from "../tickets/table.js";
import { users } from "../users/table.js";

/** Ready-made answers agents insert into a ticket reply; the body is a liquidjs template with merge fields. */
export const cannedReplies = pgTable(
  "canned_replies",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    body: text("body").notNull(),
    scope: text("scope").$type<CannedScope>().notNull().default("personal"),
    /** Shared replies offered on one queue's tickets only; null: every queue. Deleting the queue deletes its replies. */
    queueId: uuid("queue_id"),
    /** The author: the only one who sees a personal reply. Null once the author is deleted: shared ones stay, personal ones are nobody's and hidden. */
    ownerId: uuid("owner_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("canned_replies_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    reference("canned_replies_queue_fk", [t.workspaceId, t.queueId], [ticketQueues.workspaceId, ticketQueues.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("canned_replies_name_idx").on(t.workspaceId, t.name, t.id),
  ],
);

/** A canned reply plus field changes, applied to a ticket (or many) in one step. */
export const macros = pgTable(
  "macros",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    cannedReplyId: uuid("canned_reply_id"),
    replyKind: text("reply_kind").$type<"reply" | "note">().notNull().default("reply"),
    changes: jsonb("changes").$type<MacroChanges>().notNull().default(emptyObject),
    scope: text("scope").$type<CannedScope>().notNull().default("personal"),
    ownerId: uuid("owner_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("macros_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    // A macro whose reply is deleted keeps its field changes.
    reference("macros_canned_reply_fk", [t.workspaceId, t.cannedReplyId], [cannedReplies.workspaceId, cannedReplies.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("macros_name_idx").on(t.workspaceId, t.name, t.id),
  ],
);
