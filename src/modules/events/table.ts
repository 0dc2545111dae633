import { bigint, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One cursor per consumer of the event stream. The stream is one sequence across workspaces (a consumer such as
 * webhook fan-out serves them all), so this platform table is keyed by the consumer's name, not by a workspace:
 * it holds no workspace data, only how far each consumer has read.
 */
export const eventConsumers = pgTable("event_consumers", {
  name: text("name").primaryKey(),
  position: bigint("position", { mode: "number" }).notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  /** The last batch's error while the consumer is stuck on it; null once it moves on. */
  lastError: text("last_error"),
  failures: integer("failures").notNull().default(0),
});
