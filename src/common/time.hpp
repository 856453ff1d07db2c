// Time: the platform stores instants as UTC milliseconds since the epoch and shows them as
// RFC 3339. A Clock interface lets tests move time (token expiry, grant expiry) deterministically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yishu {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
  // The process-wide wall clock.
  static Clock* System();
};

int64_t NowMillis();
// 2026-11-29T23:08:02.123Z
std::string FormatRfc3339(int64_t millis);
// Accepts 2026-11-29T23:08:02Z, with fraction and offset; nullopt on junk.
std::optional<int64_t> ParseRfc3339(std::string_view s);

// A calendar date; validity includes leap years.
bool IsValidDate(int year, int month, int day);
// Days since 1970-01-01 for a valid civil date (proleptic Gregorian).
int64_t DaysFromCivil(int year, int month, int day);
// Its inverse: the civil date of a day number.
void CivilFromDays(int64_t days, int* year, int* month, int* day);

}  // namespace yishu
