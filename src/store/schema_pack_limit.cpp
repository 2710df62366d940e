// v28: a per-user purchase limit on packs. A count pack at price 0 (a trial) could otherwise be
// bought without end, giving unlimited calls. `pack_purchases` counts each user's purchases of each
// pack (codes that give a pack are not purchases and are not counted); a purchase raises the count
// with one conditional UPDATE, so two concurrent purchases at the limit cannot both pass. Count
// packs bought before this version are counted from user_packs (less those redeemed from codes);
// credit packs bought before it left no row naming the pack and start at 0.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kPackLimit = R"SQL(
ALTER TABLE packs ADD COLUMN per_user_limit BIGINT;
CREATE TABLE pack_purchases (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  pack_id BIGINT NOT NULL,
  bought BIGINT NOT NULL CHECK (bought >= 0),
  PRIMARY KEY (user_id, pack_id)
);
INSERT INTO pack_purchases (user_id, pack_id, bought)
SELECT user_id, pack_id, n FROM (
  SELECT up.user_id, up.pack_id,
         COUNT(*) - (SELECT COUNT(*) FROM redeem_codes rc JOIN redeem_batches rb ON rb.id = rc.batch_id
                     WHERE rb.kind = 'count_pack' AND rb.pack_id = up.pack_id AND rc.redeemed_by = up.user_id) AS n
  FROM user_packs up GROUP BY up.user_id, up.pack_id
) t WHERE n > 0;
)SQL";

}  // namespace plaza::store::schema
