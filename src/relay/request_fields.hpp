#pragma once
// Checks of an OpenAI chat request's fields that are shared beyond the relay (an app's saved
// parameters are such fields too). Light on purpose: services include it.
#include <boost/json/object.hpp>

namespace plaza::relay {

// The fields a request's cost is estimated from: `max_tokens` and `max_completion_tokens` a positive
// whole number, `n` one from 1 to 128 (OpenAI's bounds), or absent or null. Anything else is a 400 on
// the field: passed on, a typo would be priced as if unset and sent to the upstream as it is.
void check_cost_fields(const boost::json::object& request);

}  // namespace plaza::relay
