// v6, the square's search on PostgreSQL: like SQLite's, a narrow table of the listed apps' text with
// its trigram index, where finding out how common a word is reads little. The index on the apps
// themselves goes: every change of an app's counters rewrote its entries.
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
SELECT 1;
)SQL";

}  // namespace plaza::store::schema
