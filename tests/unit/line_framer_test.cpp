#include "framer/line_framer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse {
namespace {

std::vector<std::string> frame(LineFramer& framer, std::string_view bytes) {
  std::vector<std::string> lines;
  framer.feed(bytes, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

using Lines = std::vector<std::string>;

TEST(LineFramer, SplitsOnLfAndDropsEveryCrBeforeIt) {
  LineFramer framer;
  EXPECT_EQ(frame(framer, "a\nb\r\nc\r\r\nd\r\n\r\n"), (Lines{"a", "b", "c", "d", ""}));
  EXPECT_EQ(framer.lines(), 5u);
  EXPECT_TRUE(framer.at_line_boundary());
}

TEST(LineFramer, KeepsAnUnterminatedTailUntilItsLineEnds) {
  LineFramer framer;
  EXPECT_EQ(frame(framer, "first\nsec"), Lines{"first"});
  EXPECT_FALSE(framer.at_line_boundary());
  EXPECT_EQ(framer.partial_bytes(), 3u);
  EXPECT_EQ(frame(framer, "ond\r"), Lines{});
  EXPECT_EQ(frame(framer, "\nthird\n"), (Lines{"second", "third"}));
}

TEST(LineFramer, EveryChunkingGivesTheSameLines) {
  const std::string input = "x\r\r\nAttribute\t'\xff\xfe'\r\n\tline\n\nlast\r\n";
  const Lines expected{"x", "Attribute\t'\xff\xfe'", "\tline", "", "last"};
  for (std::size_t cut1 = 0; cut1 <= input.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= input.size(); ++cut2) {
      LineFramer framer;
      Lines lines = frame(framer, input.substr(0, cut1));
      for (auto& l : frame(framer, input.substr(cut1, cut2 - cut1))) lines.push_back(l);
      for (auto& l : frame(framer, input.substr(cut2))) lines.push_back(l);
      ASSERT_EQ(lines, expected) << "cuts at " << cut1 << " and " << cut2;
    }
  }
}

TEST(LineFramer, LineEndIsTheStreamPositionPastEachLf) {
  LineFramer framer(4);
  std::vector<std::uint64_t> ends;
  framer.feed("ab\r\nc", [&](std::string_view) { ends.push_back(framer.line_end()); });
  framer.feed("d\n123456\nx", [&](std::string_view) { ends.push_back(framer.line_end()); });
  EXPECT_EQ(ends, (std::vector<std::uint64_t>{4, 7}));
  EXPECT_EQ(framer.line_end(), 14u);  // past the skipped long line
  EXPECT_EQ(framer.position(), 15u);
}

TEST(LineFramer, FinishEmitsTheTailAsALastLine) {
  LineFramer framer;
  frame(framer, "a\nno newline\r");
  Lines lines;
  framer.finish([&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines, Lines{"no newline"});
  framer.finish([&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines.size(), 1u);
}

TEST(LineFramer, TakePartialHandsOverTheTail) {
  LineFramer framer;
  frame(framer, "done\nhalf a li");
  EXPECT_EQ(framer.take_partial(), "half a li");
  EXPECT_TRUE(framer.at_line_boundary());
  EXPECT_EQ(frame(framer, "new\n"), Lines{"new"});
}

TEST(LineFramer, SkipsAndCountsLinesOverTheLimitInOneChunk) {
  LineFramer framer(8);
  EXPECT_EQ(frame(framer, "12345678\n123456789\nok\n"), (Lines{"12345678", "ok"}));
  EXPECT_EQ(framer.lines_too_long(), 1u);
  EXPECT_EQ(framer.lines(), 2u);
}

TEST(LineFramer, SkipsALongLineSpreadOverManyChunksOnce) {
  LineFramer framer(8);
  EXPECT_EQ(frame(framer, "1234"), Lines{});
  EXPECT_EQ(frame(framer, "56789"), Lines{});
  EXPECT_EQ(frame(framer, "0123456789"), Lines{});
  EXPECT_EQ(frame(framer, "tail\nnext\n"), Lines{"next"});
  EXPECT_EQ(framer.lines_too_long(), 1u);
  EXPECT_EQ(framer.partial_bytes(), 0u);
}

// Whatever the chunking, the carried tail never holds more than the limit.
TEST(LineFramer, TheCarriedTailNeverExceedsTheLimit) {
  LineFramer framer(8);
  for (std::size_t chunk = 1; chunk <= 9; ++chunk) {
    for (int i = 0; i < 20; ++i) {
      frame(framer, std::string(chunk, 'x'));
      EXPECT_LE(framer.partial_bytes(), 8u) << chunk;
    }
    EXPECT_EQ(frame(framer, "\nok\n"), Lines{"ok"});
  }
  EXPECT_EQ(framer.lines_too_long(), 9u);
}

TEST(LineFramer, ALineThatOverflowsWhenItsEndArrivesIsSkipped) {
  LineFramer framer(8);
  EXPECT_EQ(frame(framer, "123456"), Lines{});
  EXPECT_EQ(frame(framer, "789\nok\n"), Lines{"ok"});
  EXPECT_EQ(framer.lines_too_long(), 1u);
}

}  // namespace
}  // namespace tse
