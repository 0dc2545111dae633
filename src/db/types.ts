import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.js";

// The Drizzle handle's type, apart from client.ts (which opens connections and imports the workspace cache), so that
// core/context and the cache can name it without importing the module that imports them.
export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
