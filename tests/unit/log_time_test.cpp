#include "tserver/log_time.h"

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

constexpr std::int64_t kS = kMicrosPerSecond;
constexpr std::int64_t at(int h, int m, int s, std::int64_t micros = 0) {
  return ((h * 60 + m) * 60 + s) * kS + micros;
}

TEST(LogTime, EveryTimeFormatOfARecord) {
  const auto plain = parse_record_time("10:15:24.807 Trc 04541 RequestMakeCall received from");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->micros_of_day, at(10, 15, 24, 807000));
  EXPECT_FALSE(plain->day);
  const auto iso = parse_record_time("2025-12-17T10:15:24.807 Trc 04541 x");
  ASSERT_TRUE(iso);
  EXPECT_EQ(iso->micros_of_day, at(10, 15, 24, 807000));
  EXPECT_EQ(iso->day, days_from_civil(2025, 12, 17));
  const auto locale = parse_record_time("2025/12/17 10:15:24.807 Trc 04541 x");
  ASSERT_TRUE(locale);
  EXPECT_EQ(locale->day, days_from_civil(2025, 12, 17));
  const auto us = parse_record_time("12/17/2025 10:15:24.807 PM Trc 04541 x");
  ASSERT_TRUE(us);
  EXPECT_EQ(us->micros_of_day, at(22, 15, 24, 807000));
  EXPECT_FALSE(us->day);  // month and day order depend on the locale
  EXPECT_EQ(parse_record_time("12/17/2025 12:00:01.000 AM Std 04120 x")->micros_of_day,
            at(0, 0, 1));
  EXPECT_EQ(parse_record_time("1:02:03,5 Std 04120 x")->micros_of_day, at(1, 2, 3, 500000));
  EXPECT_FALSE(parse_record_time("25:00:00.000 Std 04120 x"));
  EXPECT_FALSE(parse_record_time("2025-13-01T10:00:00.000 Std 04120 x"));
  EXPECT_FALSE(parse_record_time("13:54:59.856: SIPCM: id=1"));
  EXPECT_FALSE(parse_record_time("message EventError"));
  EXPECT_FALSE(parse_record_time(""));
}

TEST(LogTime, DumpHeadersHaveFourFractionDigits) {
  EXPECT_EQ(parse_at_time("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError"),
            at(10, 15, 24, 807000));
  EXPECT_EQ(parse_at_time("@23:59:59.9999 [0] x"), at(23, 59, 59, 999900));
  EXPECT_FALSE(parse_at_time("10:15:24.8070 [0] x"));
  EXPECT_FALSE(parse_at_time("@x"));
}

TEST(LogTime, CheckPointsNameTheirDate) {
  const auto point = parse_check_point("Check point 2025-12-18T00:00:00");
  ASSERT_TRUE(point);
  EXPECT_EQ(point->day, days_from_civil(2025, 12, 18));
  EXPECT_EQ(point->micros_of_day, 0);
  EXPECT_FALSE(parse_check_point("Check point"));
  EXPECT_FALSE(parse_check_point("Check point 10:00:00"));  // no date: nothing to anchor
  EXPECT_FALSE(parse_check_point("Checkpoint 2025-12-18T00:00:00"));
}

TEST(LogTime, CivilDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_FALSE(days_from_civil(2025, 2, 29));
  EXPECT_FALSE(days_from_civil(2025, 4, 31));
}

TEST(LogClock, MidnightWrapsToTheNextDay) {
  LogClock clock;
  const auto request = clock.observe(at(23, 59, 59, 900000));
  const auto answer = clock.observe(at(0, 0, 0, 100000));
  EXPECT_EQ(LogClock::elapsed(request, answer), 200000);  // 0.2 s
  EXPECT_EQ(clock.steps_back(), 0u);
}

TEST(LogClock, AStepBackStartsANewEpochAndIsCounted) {
  LogClock clock;
  const auto before = clock.observe(at(10, 0, 0));
  const auto jitter = clock.observe(at(9, 59, 59, 500000));  // another thread, a moment earlier
  EXPECT_EQ(LogClock::elapsed(before, jitter), 0);
  EXPECT_EQ(clock.steps_back(), 0u);
  const auto after = clock.observe(at(9, 0, 0));  // the clock went back an hour
  EXPECT_EQ(clock.steps_back(), 1u);
  EXPECT_FALSE(LogClock::elapsed(before, after));  // never a negative or huge duration
  const auto later = clock.observe(at(9, 0, 1));
  EXPECT_EQ(LogClock::elapsed(after, later), kS);
}

TEST(LogClock, DatesReanchorTheDay) {
  LogClock clock;
  const auto day = *days_from_civil(2025, 12, 17);
  clock.observe(LogTime{at(10, 0, 0), day});
  // Quiet for more than half a day: the time of day alone would look like a step back.
  const auto start = clock.now();
  const auto point = clock.observe(LogTime{at(23, 0, 0), day + 1});
  EXPECT_EQ(LogClock::elapsed(start, point), kMicrosPerDay + at(13, 0, 0));
  EXPECT_EQ(clock.steps_back(), 0u);
  const auto next = clock.observe(at(23, 0, 5));
  EXPECT_EQ(LogClock::elapsed(point, next), 5 * kS);
}

TEST(LogClock, TheFirstDateOfATimeOnlyLogAgesNothing) {
  LogClock clock;
  const auto request = clock.observe(at(22, 59, 33, 473000));
  const auto point = clock.observe(LogTime{at(23, 0, 21), *days_from_civil(2025, 12, 17)});
  EXPECT_EQ(LogClock::elapsed(request, point), at(0, 0, 47, 527000));
  const auto answer = clock.observe(at(23, 0, 21, 900));
  EXPECT_EQ(LogClock::elapsed(request, answer), at(0, 0, 47, 527900));
  EXPECT_EQ(clock.steps_back(), 0u);
}

TEST(LogClock, ALateLineOfThePreviousDayIsNotTomorrow) {
  LogClock clock;
  const auto after_midnight = clock.observe(at(23, 59, 59, 990000));
  clock.observe(at(0, 0, 0, 10000));
  const auto late = clock.observe(at(23, 59, 59, 995000));  // printed late by another thread
  EXPECT_EQ(LogClock::elapsed(after_midnight, late), 5000);
  EXPECT_EQ(clock.steps_back(), 0u);
}

TEST(LogClock, RestoresWhereItStood) {
  LogClock clock;
  clock.observe(at(23, 59, 59));
  LogClock resumed;
  resumed.restore(clock.now(), clock.steps_back());
  EXPECT_EQ(LogClock::elapsed(clock.now(), resumed.observe(at(0, 0, 1))), 2 * kS);
}

}  // namespace
}  // namespace tse::tserver

namespace tse::tserver {
namespace {

TEST(LogTime, TheDateCacheGivesWhatTheParserGives) {
  DateCache cache;
  for (const char* line : {"2025-12-17T10:15:24.807 Trc 04541 x", "2025-12-17T10:15:25.001 Trc x",
                           "2025-12-18T00:00:00.000 Std 04120 x", "10:15:24.807 Trc 04541 x",
                           "2025-12-18T23:59:59.999 Trc x", "2025-02-30T10:00:00.000 Trc x"}) {
    const auto cached = parse_record_time(line, cache);
    const auto plain = parse_record_time(line);
    ASSERT_EQ(cached.has_value(), plain.has_value()) << line;
    if (plain) {
      EXPECT_EQ(cached->micros_of_day, plain->micros_of_day) << line;
      EXPECT_EQ(cached->day, plain->day) << line;
    }
  }
}

}  // namespace
}  // namespace tse::tserver

namespace tse::tserver {
namespace {

TEST(LogTime, TheDumpFastPathGivesWhatTheParserGives) {
  EXPECT_EQ(parse_at_time("@10:15:24.8071 [0] x"), at(10, 15, 24, 807100));
  EXPECT_EQ(parse_at_time("@10:15:24.8071"), at(10, 15, 24, 807100));
  EXPECT_EQ(parse_at_time("@10:15:24.80712 [0] x"), at(10, 15, 24, 807120));  // the slow path
  EXPECT_EQ(parse_at_time("@9:15:24.8071 [0] x"), at(9, 15, 24, 807100));
  EXPECT_FALSE(parse_at_time("@24:15:24.8071 [0] x"));
  EXPECT_FALSE(parse_at_time("@10:15:24.807x [0] x"));
}

}  // namespace
}  // namespace tse::tserver
