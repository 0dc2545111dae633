-- Typo lookups in search_words that need no statistics. PGlite has no autovacuum, so the vocabulary of a workspace
-- grown through the app is planned with the statistics of its empty table: `workspace_id = $1` then looks selective,
-- and the planner read every word of the workspace through the (workspace_id, word) index, computing the deletions of
-- each (50k words: 690 ms; with this index and the query's workspace test kept off the btree: 0.1 ms).
-- One GIN condition instead of two: a word's deletions and the word itself. Two words within one typo share an
-- element of these sets (a dropped or added letter: one word is among the other's deletions; a changed letter or
-- two swapped ones: a shared deletion; the same word: itself).
DROP INDEX "search_words_deletes_idx";--> statement-breakpoint
-- No pending list: new words are few after the first import (4k distinct words for 1.1m bench records), and every
-- lookup would read the list (PGlite has no vacuum to empty it). Inserting a new word writes ~17 entries in place.
CREATE INDEX "search_words_deletes_idx" ON "search_words" USING gin (("search_word_deletes"("word") || "word")) WITH (fastupdate = off);--> statement-breakpoint
ALTER INDEX "search_words_trgm_idx" SET (fastupdate = off);--> statement-breakpoint
SELECT gin_clean_pending_list('search_words_trgm_idx');
