-- The vocabulary typo-tolerant search corrects query words against (src/modules/search/service.ts): every distinct
-- word of contacts' and companies' search_vector, per workspace. Matching a misspelling against all of search_text
-- with trigrams read ~25k rows for a common name at 1m contacts (p95 5.9 s under load); against these words it takes
-- well under a millisecond, and the corrected words then find the records through the tsvector GIN index.
-- Not in the Drizzle schema on purpose: it is derived data, not part of backups (a restore rebuilds it through the
-- triggers below), and drizzle-kit cannot express the expression index, the functions or the triggers.

-- A word with each of its characters deleted in turn. Two words within one typo of each other (a letter dropped,
-- added or changed, or two letters swapped) share a deletion, or one is a deletion of the other: "smiht" and "smith"
-- both give "smih"; "kowalcyk" is a deletion of "kowalczyk". Characters, not bytes, so every script works.
CREATE FUNCTION "search_word_deletes"("word" text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN array(SELECT overlay("word" PLACING '' FROM i FOR 1) FROM generate_series(1, char_length("word")) AS i);--> statement-breakpoint
-- No unique key: a writer never waits for another's uncommitted new word (an import batch would hold up a contact
-- created in the UI until it commits). Two transactions adding the same new word at the same moment leave it twice,
-- which readers do not mind. Words are never removed: one that no record holds any more corrects to nothing.
-- C collation, so that a prefix is a plain index range whatever the database's locale.
CREATE TABLE "search_words" (
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
	"word" text COLLATE "C" NOT NULL
);--> statement-breakpoint
-- Lexemes that are words: not emails, hosts, URLs, numbers or phones (a substring or prefix match finds those).
CREATE FUNCTION "search_words_collect"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    -- After an insert: set-based over the statement's rows, so an import or the seed pays once per statement.
    INSERT INTO search_words (workspace_id, word)
    SELECT d.workspace_id, d.word
      FROM (SELECT DISTINCT n.workspace_id, w.word
              FROM new_rows n CROSS JOIN LATERAL unnest(tsvector_to_array(n.search_vector)) AS w(word)
             WHERE char_length(w.word) BETWEEN 2 AND 60 AND w.word !~ '[0-9@._+/:-]') d
     WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.workspace_id = d.workspace_id AND s.word = d.word);
  ELSE
    -- After an update that changed search_text (a row trigger with a WHEN clause: other updates cost nothing).
    INSERT INTO search_words (workspace_id, word)
    SELECT NEW.workspace_id, w.word
      FROM unnest(tsvector_to_array(NEW.search_vector)) AS w(word)
     WHERE char_length(w.word) BETWEEN 2 AND 60 AND w.word !~ '[0-9@._+/:-]'
       AND NOT EXISTS (SELECT 1 FROM search_words s WHERE s.workspace_id = NEW.workspace_id AND s.word = w.word);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "contacts_search_words_insert" AFTER INSERT ON "contacts" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "search_words_collect"();--> statement-breakpoint
CREATE TRIGGER "contacts_search_words_update" AFTER UPDATE OF "search_text" ON "contacts"
  FOR EACH ROW WHEN (OLD."search_text" IS DISTINCT FROM NEW."search_text") EXECUTE FUNCTION "search_words_collect"();--> statement-breakpoint
CREATE TRIGGER "companies_search_words_insert" AFTER INSERT ON "companies" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "search_words_collect"();--> statement-breakpoint
CREATE TRIGGER "companies_search_words_update" AFTER UPDATE OF "search_text" ON "companies"
  FOR EACH ROW WHEN (OLD."search_text" IS DISTINCT FROM NEW."search_text") EXECUTE FUNCTION "search_words_collect"();--> statement-breakpoint
-- The words already there (after the triggers, which lock out writers until this migration commits, so none is
-- missed). 1m contacts and 100k companies: ~6 s, ~4k distinct words in the bench data.
INSERT INTO "search_words" ("workspace_id", "word")
SELECT DISTINCT r."workspace_id", w."word"
  FROM (SELECT "workspace_id", "search_vector" FROM "contacts" UNION ALL SELECT "workspace_id", "search_vector" FROM "companies") r
 CROSS JOIN LATERAL unnest(tsvector_to_array(r."search_vector")) AS w("word")
 WHERE char_length(w."word") BETWEEN 2 AND 60 AND w."word" !~ '[0-9@._+/:-]';--> statement-breakpoint
-- Prefixes (typeahead) and exact words, per workspace.
CREATE INDEX "search_words_word_idx" ON "search_words" ("workspace_id", "word");--> statement-breakpoint
-- Words within one typo of a query word: its deletions (and itself) overlap theirs.
CREATE INDEX "search_words_deletes_idx" ON "search_words" USING gin ("search_word_deletes"("word"));--> statement-breakpoint
-- Long words with two typos: trigram similarity.
CREATE INDEX "search_words_trgm_idx" ON "search_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
-- Statistics now, not at autovacuum's next pass: without them the planner filters every word of the workspace
-- through search_word_deletes() instead of using its index (66 ms instead of 0.2 ms per query word at 4k words).
ANALYZE "search_words";
