#include "core/calendar.hpp"

#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>

namespace plaza {

std::string local_day(int64_t unix_s) {
  // Every request's usage event asks, thousands a second: the last answer is kept per thread.
  thread_local int64_t last_s = -1;
  thread_local std::string last_day;
  if (unix_s == last_s) return last_day;
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  last_s = unix_s;
  last_day = buf;
  return last_day;
}

int local_hour(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_hour;
}

namespace {
// Days since 1970-01-01 of a civil date, and back (proleptic Gregorian; no time zone involved).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool parse_day(const std::string& day, int64_t& y, int64_t& m, int64_t& d) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (day[i] < '0' || day[i] > '9') return false;
  y = std::stoll(day.substr(0, 4));
  m = std::stoll(day.substr(5, 2));
  d = std::stoll(day.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}
}  // namespace

bool is_day(const std::string& day) {
  int64_t y, m, d;
  return parse_day(day, y, m, d);
}

std::string add_days(const std::string& day, int days) {
  int64_t y, m, d;
  if (!parse_day(day, y, m, d)) throw std::invalid_argument("not a day: " + day);
  int64_t z = days_from_civil(y, m, d) + days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  const int64_t mm = mp + (mp < 10 ? 3 : -9);
  const int64_t yy = yoe + era * 400 + (mm <= 2);
  char buf[32];  // any int64 year; month and day are 1..12 and 1..31
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(yy), static_cast<int>(mm),
                static_cast<int>(dd));
  return buf;
}

}  // namespace plaza
