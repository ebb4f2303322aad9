#include "tserver/fixed_pattern.h"

#include <string>

#include <gtest/gtest.h>

namespace tse::tserver {
namespace {

// What a pattern means, byte by byte: `d` an ASCII digit, any other byte itself.
bool reference_matches(std::string_view pattern, std::string_view s) {
  if (s.size() < pattern.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i]) return false;
  }
  return true;
}

TEST(FixedPattern, MatchesTheStampsOfTheContract) {
  EXPECT_TRUE(kClockPattern.matches("10:15:24.807"));
  EXPECT_TRUE(kClockPattern.matches("10:15:24.807 Trc 04541"));
  EXPECT_FALSE(kClockPattern.matches("10:15:24.80"));   // too short
  EXPECT_FALSE(kClockPattern.matches("10:15:24,807"));  // another separator: the general reading
  EXPECT_FALSE(kClockPattern.matches("1:15:24.807 "));
  EXPECT_TRUE(kIsoPattern.matches("2025-12-17T10:15:24.807 Trc"));
  EXPECT_FALSE(kIsoPattern.matches("2025-12-17T10:15:24.8O7 Trc"));  // a letter O
  EXPECT_FALSE(kIsoPattern.matches("2025/12/17T10:15:24.807 Trc"));
  EXPECT_TRUE(kAtClockPattern.matches("10:15:24.8070 [0]"));
  EXPECT_FALSE(kAtClockPattern.matches("10:15:24.807 [0]"));
}

// Reading 8 bytes a step gives what reading byte by byte gives: stamps with one byte changed
// to a value next to a digit or a separator, or with the high bit set (no carry may cross into
// the next byte), and random bytes.
TEST(FixedPattern, EqualsAByteByByteReading) {
  const std::string iso = "2025-12-17T10:15:24.807 ";
  const std::string near = std::string("/0 9:;-.T,\x80\xf9\xfa\xff\x2f\x3a\x06\xd0", 18);
  std::uint32_t seed = 7;
  const auto next = [&seed] { return seed = seed * 1664525u + 1013904223u, seed >> 8; };
  for (int round = 0; round < 50000; ++round) {
    std::string s = iso;
    const int changes = static_cast<int>(next() % 3);
    for (int c = 0; c < changes; ++c) s[next() % s.size()] = near[next() % near.size()];
    if (round % 5 == 0) {
      for (char& c : s) c = static_cast<char>(next());
    }
    s.resize(next() % (s.size() + 1));
    ASSERT_EQ(kIsoPattern.matches(s), reference_matches("dddd-dd-ddTdd:dd:dd.ddd", s)) << round;
    ASSERT_EQ(kClockPattern.matches(s.substr(std::min<std::size_t>(11, s.size()))),
              reference_matches("dd:dd:dd.ddd", s.substr(std::min<std::size_t>(11, s.size()))))
        << round;
  }
}

}  // namespace
}  // namespace tse::tserver
