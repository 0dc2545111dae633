import { v7 } from "uuid";

/** Time-ordered ids keep inserts append-only in B-tree indexes. */
export const newId = (): string => v7();
