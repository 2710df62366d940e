// v14: where a subscription's days came from: bought through the site (a free plan's included, for 0)
// or redeemed from a code. Code days are not renewed and do not lengthen a bought period. Before this
// column the wallet told them apart by price, which a free plan priced later turned upside down; rows
// from before it are classified by that rule once, with the plans' prices as they stand.
#include "store/schema.hpp"

namespace plaza::store::schema {

const char* const kSubscriptionSource = R"SQL(
ALTER TABLE subscriptions ADD COLUMN source TEXT NOT NULL DEFAULT 'bought' CHECK (source IN ('bought', 'code'));
UPDATE subscriptions SET source = 'code'
  WHERE price = 0 AND EXISTS (SELECT 1 FROM plans p WHERE p.id = subscriptions.plan_id AND p.price > 0);
)SQL";

}  // namespace plaza::store::schema
