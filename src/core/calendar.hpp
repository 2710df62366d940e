#pragma once
// Operator-timezone days. The process's TZ is the operator's timezone (set from the `timezone` setting).
#include <cstdint>
#include <string>

namespace plaza {

// YYYY-MM-DD of a unix time in the operator's timezone.
std::string local_day(int64_t unix_s);

}  // namespace plaza
