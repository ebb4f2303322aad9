#include "logging/utc_time.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

std::chrono::system_clock::time_point at(std::int64_t seconds, int millis = 0) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(seconds) + std::chrono::milliseconds(millis)));
}

TEST(UtcDateTime, IsTheCalendarDateAndTimeOfDay) {
  EXPECT_EQ(utc_date_time(at(0)), "1970-01-01T00:00:00");
  EXPECT_EQ(utc_date_time(at(1796183700, 123)), "2026-12-02T03:55:00");  // the millis cut
  EXPECT_EQ(utc_date_time(at(1796183700), ' '), "2026-12-02 03:55:00");
  EXPECT_EQ(utc_date_time(at(1709251199)), "2024-02-29T23:59:59");  // a leap day
  EXPECT_EQ(utc_date_time(at(1709251200)), "2024-03-01T00:00:00");
  EXPECT_EQ(utc_date_time(at(-1)), "1969-12-31T23:59:59");  // before the epoch: floored
}

}  // namespace
}  // namespace tse
