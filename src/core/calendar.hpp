#pragma once
// Operator-timezone days. The process's TZ is the operator's timezone (set from the `timezone` setting).
#include <cstdint>
#include <string>

namespace plaza {

// YYYY-MM-DD of a unix time in the operator's timezone.
std::string local_day(int64_t unix_s);
// The hour (0-23) of a unix time in the operator's timezone.
int local_hour(int64_t unix_s);
// The day before a YYYY-MM-DD day, and `days` after it (negative: before). Throws on a malformed day.
std::string add_days(const std::string& day, int days);
// True for a real calendar date written YYYY-MM-DD.
bool is_day(const std::string& day);

}  // namespace plaza
