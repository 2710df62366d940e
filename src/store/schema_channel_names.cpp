// v26: channel names are unique, without spaces around them. The operator tells channels apart by
// name (the request log, the audit, the catalogue); a check before the insert cannot hold that when
// two instances save at once, the index can. Names stored before are trimmed of the spaces the
// service now trims (ASCII, U+00A0, U+3000), a blank one becomes "channel N", and of a shared name
// the oldest channel keeps it and the others get their id after at most 40 of its characters (so
// the renamed name stays within the 64 a name may have), or "channel #N" when that name is taken too.
// Only a UTF-8 PostgreSQL database (as Plaza needs for its users' text) trims the two wide spaces.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kChannelNames = R"SQL(
--sqlite: UPDATE channels SET name = trim(name, ' ' || char(9) || char(160) || char(12288));
--pg: DO $$ BEGIN IF current_setting('server_encoding') = 'UTF8' THEN UPDATE channels SET name = btrim(name, E' \t' || chr(160) || chr(12288)); ELSE UPDATE channels SET name = btrim(name, E' \t'); END IF; END $$;
UPDATE channels SET name = 'channel ' || id WHERE name = '';
UPDATE channels SET name = substr(name, 1, 40) || ' (channel ' || id || ')'
  WHERE EXISTS (SELECT 1 FROM channels o WHERE o.name = channels.name AND o.id < channels.id)
    AND NOT EXISTS (SELECT 1 FROM channels t WHERE t.name = substr(channels.name, 1, 40) || ' (channel ' || channels.id || ')');
UPDATE channels SET name = 'channel #' || id
  WHERE EXISTS (SELECT 1 FROM channels o WHERE o.name = channels.name AND o.id < channels.id);
CREATE UNIQUE INDEX channels_name ON channels (name);
)SQL";

}  // namespace plaza::store::schema
