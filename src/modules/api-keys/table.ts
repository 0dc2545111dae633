import { pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Role } from "../../contract/common.js";
import { createdAt, recordId, reference, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

export const apiKeys = pgTable(
  "api_keys",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    reference("api_keys_created_by_fk", [t.workspaceId, t.createdBy], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("api_keys_hash_key").on(t.workspaceId, t.keyHash),
  ],
);
