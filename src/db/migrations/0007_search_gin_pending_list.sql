-- A GIN index keeps the entries of new rows in a pending list until it reaches gin_pending_list_limit (4 MB by
-- default) or a vacuum runs, and every scan of the index reads the whole list. On the 1m-contact bench database after
-- its create scenarios (14.6k inserts since the last vacuum, 3.4 MB pending), one rare word ("wada", 153 rows) cost
-- 5–6 ms and 427 buffers instead of ~0.1 ms, on every search lookup. With 256 kB the list stays under ~32 pages: the
-- same two-word lookup took 0.24 ms (5.2 ms with 3 MB pending). Inserts flush it more often, in smaller merges: 5,000
-- one-row inserts took 839 ms against 860 ms with the default (fastupdate off: 1,057 ms), and no insert pays a 4 MB merge.
-- Not in the Drizzle schema: drizzle-kit would rebuild the indexes to change it (25 s for a trigram index at 1m rows).
ALTER INDEX "contacts_search_vector_idx" SET (gin_pending_list_limit = 256);--> statement-breakpoint
ALTER INDEX "contacts_search_trgm_idx" SET (gin_pending_list_limit = 256);--> statement-breakpoint
ALTER INDEX "companies_search_vector_idx" SET (gin_pending_list_limit = 256);--> statement-breakpoint
ALTER INDEX "companies_search_trgm_idx" SET (gin_pending_list_limit = 256);
