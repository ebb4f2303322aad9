#include "logging/log_setup.h"

#include <stdexcept>
#include <string>
#include <utility>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tse {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  if (text == "debug") return spdlog::level::debug;
  if (text == "info") return spdlog::level::info;
  if (text == "warn" || text == "warning") return spdlog::level::warn;
  if (text == "error") return spdlog::level::err;
  return std::nullopt;
}

std::optional<LogFormatter::Format> parse_log_format(std::string_view text) {
  if (text == "logfmt") return LogFormatter::Format::kLogfmt;
  if (text == "json") return LogFormatter::Format::kJson;
  return std::nullopt;
}

namespace {

std::pair<spdlog::level::level_enum, LogFormatter::Format> parse_log(const LogConfig& log) {
  const auto level = parse_log_level(log.level);
  if (!level) throw std::invalid_argument("unknown log level \"" + log.level + "\"");
  const auto format = parse_log_format(log.format);
  if (!format) throw std::invalid_argument("unknown log format \"" + log.format + "\"");
  return {*level, *format};
}

}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const LogConfig& log, spdlog::sink_ptr sink) {
  const auto [level, format] = parse_log(log);
  auto logger = std::make_shared<spdlog::logger>("tserver_exporter", std::move(sink));
  logger->set_formatter(std::make_unique<LogFormatter>(format));
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

void setup_logging(const LogConfig& log) {
  spdlog::set_default_logger(make_logger(log, std::make_shared<spdlog::sinks::stderr_sink_mt>()));
}

void reconfigure_logging(const LogConfig& log) {
  const auto [level, format] = parse_log(log);
  spdlog::logger* logger = spdlog::default_logger_raw();
  // Each sink swaps its formatter under its own lock (the _mt sinks); the level is atomic.
  logger->set_formatter(std::make_unique<LogFormatter>(format));
  logger->set_level(level);
}

}  // namespace tse
