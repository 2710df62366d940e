// v6, the square's search. On PostgreSQL, like SQLite: a narrow table of the listed apps' text with
// its trigram index, where finding out how common a word is reads little; a trigger keeps it in step
// with the apps (whichever binary writes them, during a rolling upgrade too). The index on the apps
// themselves goes: every change of an app's counters rewrote its entries. On SQLite the trigram index
// becomes case-sensitive: the text and the words are lower-cased already, and a case-insensitive
// index found "Über" for "über" where LIKE (the other way to the same pages) does not.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kSearch = R"SQL(
--pg: CREATE TABLE apps_search (
--pg:   id BIGINT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
--pg:   search_text TEXT NOT NULL
--pg: );
--pg: INSERT INTO apps_search (id, search_text) SELECT id, search_text FROM apps WHERE listed = 1;
--pg: CREATE INDEX apps_search_text ON apps_search USING gin (search_text gin_trgm_ops);
--pg: DROP INDEX apps_search_trgm;
--pg: CREATE FUNCTION apps_search_sync() RETURNS trigger AS $$
--pg: BEGIN
--pg:   DELETE FROM apps_search WHERE id = NEW.id;
--pg:   IF NEW.listed = 1 THEN
--pg:     INSERT INTO apps_search (id, search_text) VALUES (NEW.id, NEW.search_text);
--pg:   END IF;
--pg:   RETURN NULL;
--pg: END
--pg: $$ LANGUAGE plpgsql;
--pg: CREATE TRIGGER apps_search_sync AFTER INSERT OR UPDATE OF listed, search_text ON apps
--pg:   FOR EACH ROW EXECUTE FUNCTION apps_search_sync();
--sqlite: DROP TABLE apps_search;
--sqlite: CREATE VIRTUAL TABLE apps_search USING fts5 (search_text, tokenize = 'trigram case_sensitive 1');
--sqlite: INSERT INTO apps_search (rowid, search_text) SELECT id, search_text FROM apps WHERE listed = 1;
)SQL";

}  // namespace plaza::store::schema
