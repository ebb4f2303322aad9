#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace tse {

/// `2026-12-02T03:55:00` (or with another `separator` between date and time): the UTC calendar
/// date and time of day of `at`, to the second, from C++20's calendar, not gmtime_r (which
/// Windows has not). Pure.
inline std::string utc_date_time(std::chrono::system_clock::time_point at, char separator = 'T') {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{seconds - days};
  char text[48];
  const int n = std::snprintf(
      text, sizeof text, "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), separator,
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  return n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string("?");
}

}  // namespace tse
