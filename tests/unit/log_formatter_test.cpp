#include "logging/log_formatter.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

namespace tse {
namespace {

// 2026-12-02T03:55:00.123Z
const spdlog::log_clock::time_point kAt =
    spdlog::log_clock::time_point(std::chrono::milliseconds(1'796'183'700'123));

std::string line(LogFormatter::Format format, std::string_view text,
                 spdlog::level::level_enum level = spdlog::level::info,
                 spdlog::log_clock::time_point at = kAt) {
  LogFormatter formatter(format);
  const spdlog::details::log_msg msg(at, spdlog::source_loc{}, "tserver_exporter", level,
                                     spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  return {out.data(), out.size()};
}

std::string logfmt(std::string_view text, spdlog::level::level_enum level = spdlog::level::info) {
  return line(LogFormatter::Format::kLogfmt, text, level);
}
std::string json(std::string_view text, spdlog::level::level_enum level = spdlog::level::info) {
  return line(LogFormatter::Format::kJson, text, level);
}

TEST(LogFormatter, LogfmtQuotesOnlyWhatMustBeQuoted) {
  EXPECT_EQ(logfmt("listening on 127.0.0.1:10057, metrics at /metrics"),
            "ts=2026-12-02T03:55:00.123Z level=info "
            "msg=\"listening on 127.0.0.1:10057, metrics at /metrics\"\n");
  EXPECT_EQ(logfmt("stopped"), "ts=2026-12-02T03:55:00.123Z level=info msg=stopped\n");
  EXPECT_EQ(logfmt(""), "ts=2026-12-02T03:55:00.123Z level=info msg=\"\"\n");
  EXPECT_EQ(logfmt("a=b"), "ts=2026-12-02T03:55:00.123Z level=info msg=\"a=b\"\n");
  EXPECT_EQ(logfmt("caf\xc3\xa9"), "ts=2026-12-02T03:55:00.123Z level=info msg=caf\xc3\xa9\n");
  EXPECT_EQ(logfmt("error_code \"57\" in C:\\GCTI\\x.log\nsecond\tline\r"),
            "ts=2026-12-02T03:55:00.123Z level=info "
            "msg=\"error_code \\\"57\\\" in C:\\\\GCTI\\\\x.log\\nsecond\\tline\\r\"\n");
}

TEST(LogFormatter, LevelsAreNamedAsPrometheusNamesThem) {
  EXPECT_EQ(logfmt("x", spdlog::level::debug), "ts=2026-12-02T03:55:00.123Z level=debug msg=x\n");
  EXPECT_EQ(logfmt("x", spdlog::level::warn), "ts=2026-12-02T03:55:00.123Z level=warn msg=x\n");
  EXPECT_EQ(logfmt("x", spdlog::level::err), "ts=2026-12-02T03:55:00.123Z level=error msg=x\n");
  EXPECT_EQ(json("x", spdlog::level::critical),
            "{\"ts\":\"2026-12-02T03:55:00.123Z\",\"level\":\"error\",\"msg\":\"x\"}\n");
}

TEST(LogFormatter, JsonIsOneValidObjectALine) {
  EXPECT_EQ(json("SIGTERM received; stopping"),
            "{\"ts\":\"2026-12-02T03:55:00.123Z\",\"level\":\"info\","
            "\"msg\":\"SIGTERM received; stopping\"}\n");
  EXPECT_EQ(json("q\"b\\n\nt\tc\x01\x1f\x7f"),
            "{\"ts\":\"2026-12-02T03:55:00.123Z\",\"level\":\"info\","
            "\"msg\":\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001f\\u007f\"}\n");
  EXPECT_EQ(json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "{\"ts\":\"2026-12-02T03:55:00.123Z\",\"level\":\"info\","
            "\"msg\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}\n");
}

// Bytes of a log that are not UTF-8 (a file name in Windows-1252, a cut sequence, an overlong
// form, a surrogate) become U+FFFD each, so that the line stays valid UTF-8 and valid JSON.
TEST(LogFormatter, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  EXPECT_EQ(json("caf\xe9 \xc3 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \x80"),
            "{\"ts\":\"2026-12-02T03:55:00.123Z\",\"level\":\"info\",\"msg\":\"caf\\ufffd "
            "\\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd\\ufffd "
            "\\ufffd\"}\n");
  EXPECT_EQ(logfmt("caf\xe9"), "ts=2026-12-02T03:55:00.123Z level=info msg=\"caf\\ufffd\"\n");
  EXPECT_EQ(logfmt("end\xe2\x82"),
            "ts=2026-12-02T03:55:00.123Z level=info msg=\"end\\ufffd\\ufffd\"\n");
}

TEST(LogFormatter, TheTimeIsUtcWithMilliseconds) {
  const auto at = spdlog::log_clock::time_point(std::chrono::milliseconds(1'767'225'600'007));
  EXPECT_EQ(line(LogFormatter::Format::kLogfmt, "x", spdlog::level::info, at),
            "ts=2026-01-01T00:00:00.007Z level=info msg=x\n");
  const auto epoch = spdlog::log_clock::time_point(std::chrono::milliseconds(999));
  EXPECT_EQ(line(LogFormatter::Format::kJson, "x", spdlog::level::info, epoch),
            "{\"ts\":\"1970-01-01T00:00:00.999Z\",\"level\":\"info\",\"msg\":\"x\"}\n");
}

}  // namespace
}  // namespace tse
