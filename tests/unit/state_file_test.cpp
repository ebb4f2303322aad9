#include "state/state_file.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

SavedState sample() {
  SavedState state;
  state.counters = {{"event_errors", "TServer_SfB_01", "", "57", 12},
                    {"event_errors", "TServer_SfB_01", "", "unknown", 1},
                    {"request_errors", "TServer_SfB_01", "RequestMakeCall", "57", 12},
                    {"event_errors", "odd\tname\\x", "", "9999", 18446744073709551615ull}};
  state.positions = {{"/logs/TServer_SfB_01", "/logs/TServer_SfB_01.20251217_101500_123.log", 2049,
                      1234567, 1024, 0xdeadbeefcafef00dull, 987654321, "1:a1b2c:2"},
                     {"/odd dir/x", "/odd dir/x\nwith newline.log", 1, 2, 0, 0, 0, "0:-:0"}};
  return state;
}

TEST(StateFile, RoundTripsExactly) {
  const std::string text = serialize_state(sample());
  std::string error;
  const auto parsed = parse_state(text, error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, sample());
}

TEST(StateFile, IsReadableText) {
  SavedState state;
  state.counters = {{"event_errors", "A", "", "236", 3}};
  state.positions = {{"/l/A", "/l/A.log", 1, 2, 3, 4, 5, "0:-:0"}};
  const std::string text = serialize_state(state);
  EXPECT_TRUE(
      text.starts_with("tserver_exporter_state\t2\n"
                       "counter\tevent_errors\tA\t\t236\t3\n"
                       "position\t/l/A\t/l/A.log\t1\t2\t3\t0000000000000004\t5\t0:-:0\n"
                       "checksum\t"))
      << text;
}

TEST(StateFile, EveryTruncationIsRejected) {
  const std::string text = serialize_state(sample());
  for (std::size_t n = 0; n < text.size(); ++n) {
    std::string error;
    EXPECT_FALSE(parse_state(text.substr(0, n), error)) << "accepted the first " << n << " bytes";
    EXPECT_FALSE(error.empty());
  }
}

TEST(StateFile, EveryFlippedByteIsRejected) {
  const std::string text = serialize_state(sample());
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string corrupt = text;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x01);
    std::string error;
    EXPECT_FALSE(parse_state(corrupt, error)) << "accepted a flip at byte " << i;
  }
}

TEST(StateFile, ForeignFilesSayWhatTheyAre) {
  std::string error;
  EXPECT_FALSE(parse_state("", error));
  EXPECT_EQ(error, "not a tserver_exporter state file (version 2)");
  EXPECT_FALSE(parse_state("{\"positions\": []}\n", error));
  EXPECT_EQ(error, "not a tserver_exporter state file (version 2)");
  EXPECT_FALSE(parse_state("tserver_exporter_state\t1\nchecksum\t0\n", error));
  EXPECT_EQ(error, "not a tserver_exporter state file (version 2)");
  EXPECT_FALSE(parse_state("tserver_exporter_state\t2\ncounter\tA\t57\t1\n", error));
  EXPECT_EQ(error, "truncated (no checksum line)");
}

}  // namespace
}  // namespace tse
