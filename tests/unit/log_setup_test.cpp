#include "logging/log_setup.h"

#include <atomic>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace tse {
namespace {

// A line as the logger writes it, with its time (checked for shape) cut off.
std::string without_time(const std::string& line, std::string_view before, std::string_view after) {
  // ts=2026-12-02T03:55:00.123Z: 24 characters of time.
  EXPECT_TRUE(line.starts_with(before)) << line;
  const std::string time = line.substr(before.size(), 24);
  EXPECT_EQ(time.size(), 24u) << line;
  EXPECT_EQ(time[4], '-');
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time[23], 'Z');
  EXPECT_EQ(line.substr(before.size() + 24, after.size()), after) << line;
  return line.substr(before.size() + 24 + after.size());
}

TEST(LogSetup, LevelsAcceptWhatTheLogPrints) {
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("warning"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("trace"), std::nullopt);
  EXPECT_EQ(parse_log_level("INFO"), std::nullopt);
  EXPECT_EQ(parse_log_format("logfmt"), LogFormatter::Format::kLogfmt);
  EXPECT_EQ(parse_log_format("json"), LogFormatter::Format::kJson);
  EXPECT_EQ(parse_log_format("text"), std::nullopt);
}

TEST(LogSetup, TheLoggerWritesItsFormatAtItsLevel) {
  std::ostringstream out;
  auto logger = make_logger({.level = "warning", .format = "logfmt"},
                            std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->info("not shown");
  logger->warn("a file of {} is gone", "TServer_SfB_01");
  logger->error("stopped");
  std::istringstream lines(out.str());
  std::string first;
  std::string second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(without_time(first, "ts=", " level=warn msg="), "\"a file of TServer_SfB_01 is gone\"");
  EXPECT_EQ(without_time(second, "ts=", " level=error msg="), "stopped");
  EXPECT_TRUE(lines.peek() == EOF) << out.str();

  std::ostringstream json_out;
  auto json = make_logger({.level = "debug", .format = "json"},
                          std::make_shared<spdlog::sinks::ostream_sink_mt>(json_out));
  json->debug("polling \"{}\"", "x");
  EXPECT_EQ(without_time(json_out.str(), "{\"ts\":\"", "\",\"level\":\"debug\",\"msg\":"),
            "\"polling \\\"x\\\"\"}\n");
}

TEST(LogSetup, AnUnknownLevelOrFormatIsRefused) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cout);
  EXPECT_THROW(make_logger({.level = "loud", .format = "logfmt"}, sink), std::invalid_argument);
  EXPECT_THROW(make_logger({.level = "info", .format = "xml"}, sink), std::invalid_argument);
}

// A reload's log settings while another thread logs (the HTTP thread, the TLS certificate's
// re-read): the logger that thread reaches through spdlog's raw default pointer stays the same
// object, its level and format changed in place (replacing it would free it under that thread).
TEST(LogSetup, AReloadChangesTheLoggerInPlaceWhileAnotherThreadLogs) {
  const auto previous = spdlog::default_logger();
  std::ostringstream out;
  spdlog::set_default_logger(make_logger({.level = "info", .format = "logfmt"},
                                         std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  spdlog::logger* const in_force = spdlog::default_logger_raw();
  std::atomic<bool> stop{false};
  std::thread other([&stop] {
    for (int i = 0; i < 20000 && !stop; ++i) spdlog::debug("line {}", i);
  });
  for (int i = 0; i < 500; ++i) {
    reconfigure_logging(
        {.level = i % 2 == 0 ? "debug" : "info", .format = i % 2 == 0 ? "json" : "logfmt"});
  }
  stop = true;
  other.join();
  EXPECT_EQ(spdlog::default_logger_raw(), in_force);

  out.str("");
  reconfigure_logging({.level = "debug", .format = "json"});
  spdlog::debug("now in json");
  EXPECT_EQ(without_time(out.str(), "{\"ts\":\"", "\",\"level\":\"debug\",\"msg\":"),
            "\"now in json\"}\n");
  out.str("");
  reconfigure_logging({.level = "warn", .format = "logfmt"});
  spdlog::info("not shown");
  EXPECT_EQ(out.str(), "");
  EXPECT_THROW(reconfigure_logging({.level = "loud", .format = "logfmt"}), std::invalid_argument);
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace tse
