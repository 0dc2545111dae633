import { index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/**
 * A marketing email template: subject and body with liquid merge fields. The body is what the editor holds (rich text
 * or hand-written HTML); the responsive layout (MJML) is wrapped around it when a message is rendered, so a layout fix
 * reaches every template.
 */
export const emailTemplates = pgTable(
  "email_templates",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    subject: text("subject").notNull(),
    /** Shown by mail clients beside the subject; hidden in the body. */
    preheader: text("preheader"),
    body: text("body").notNull(),
    mode: text("mode").$type<"rich" | "html">().notNull().default("rich"),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("email_templates_name_idx").on(t.workspaceId, t.name),
    reference("email_templates_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
  ],
);
