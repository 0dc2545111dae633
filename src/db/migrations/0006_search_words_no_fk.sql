-- No foreign key from search_words to workspaces, like every other table: a restore writes a workspace's tables in
-- schema order, contacts before their workspace row, and the vocabulary triggers then wrote words for a workspace
-- that was not there yet (backup tests: "violates foreign key constraint search_words_workspace_id_fkey").
ALTER TABLE "search_words" DROP CONSTRAINT "search_words_workspace_id_fkey";
