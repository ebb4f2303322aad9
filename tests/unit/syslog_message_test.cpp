#include "source/syslog_message.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tse {
namespace {

TEST(SyslogMessage, Rfc5424KeepsTheLineAsItIs) {
  const auto m = parse_syslog(
      "<13>1 2025-12-17T10:15:24.807Z sfbts01 TServer_SfB_01 - - - \tAttributeErrorCode\t236\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "sfbts01");
  EXPECT_EQ(m->app_name, "TServer_SfB_01");
  EXPECT_EQ(m->message, "\tAttributeErrorCode\t236");
}

TEST(SyslogMessage, Rfc5424WithStructuredDataAndBom) {
  const auto m = parse_syslog(
      "<165>1 2025-12-17T10:15:24Z host app 42 ID7 [meta a=\"x]y\" b=\"\\\"\"][two c=\"1\"] "
      "\xEF\xBB\xBF" "message EventError");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->app_name, "app");
  EXPECT_EQ(m->message, "message EventError");
}

TEST(SyslogMessage, Rfc3164FromLogger) {
  const auto m = parse_syslog("<13>Nov 23 22:00:00 sfbts01 TServer_SfB_01[123]: \t\t'ErrorCode'\t57");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hostname, "sfbts01");
  EXPECT_EQ(m->app_name, "TServer_SfB_01");
  EXPECT_EQ(m->message, "\t\t'ErrorCode'\t57");
  const auto no_host = parse_syslog("<13>Nov  3 22:00:00 TServer_SfB_01: message EventError\r\n");
  ASSERT_TRUE(no_host);
  EXPECT_EQ(no_host->hostname, "");
  EXPECT_EQ(no_host->app_name, "TServer_SfB_01");
  EXPECT_EQ(no_host->message, "message EventError");
}

TEST(SyslogMessage, GarbageIsNotSyslog) {
  for (const char* frame : {"", "hello", "<>1 x", "<abc>1 x", "<13>Nov 23", "<1234567>1 a b"}) {
    EXPECT_FALSE(parse_syslog(frame)) << frame;
  }
}

std::vector<std::string> frames(SyslogFramer& framer, std::string_view bytes, bool* ok = nullptr) {
  std::vector<std::string> out;
  const bool good = framer.feed(bytes, [&](std::string_view f) { out.emplace_back(f); });
  if (ok != nullptr) *ok = good;
  return out;
}

TEST(SyslogFramer, OctetCountingAcrossReads) {
  SyslogFramer framer;
  const std::string stream = "5 hello11 hello world3 abc";
  std::vector<std::string> all;
  for (char c : stream)
    for (auto& f : frames(framer, std::string_view(&c, 1))) all.push_back(f);
  EXPECT_EQ(all, (std::vector<std::string>{"hello", "hello world", "abc"}));
}

TEST(SyslogFramer, LineFramingWhenTheStreamStartsWithAnythingElse) {
  SyslogFramer framer;
  EXPECT_EQ(frames(framer, "<13>a\n<13>b"), std::vector<std::string>{"<13>a"});
  EXPECT_EQ(frames(framer, "c\n"), std::vector<std::string>{"<13>bc"});
}

TEST(SyslogFramer, OversizeFramesAreSkippedAndCounted) {
  SyslogFramer lines(4);
  EXPECT_EQ(frames(lines, "<1>abcdef\n<1>x\n"), std::vector<std::string>{"<1>x"});
  EXPECT_EQ(lines.oversize(), 1u);
  SyslogFramer counted(4);
  EXPECT_EQ(frames(counted, "6 abc"), std::vector<std::string>{});
  EXPECT_EQ(frames(counted, "def2 ok"), std::vector<std::string>{"ok"});
  EXPECT_EQ(counted.oversize(), 1u);
}

TEST(SyslogFramer, ABadOctetCountIsAnError) {
  SyslogFramer framer;
  bool ok = true;
  frames(framer, "12x hello", &ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace tse
