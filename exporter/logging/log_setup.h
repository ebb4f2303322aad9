#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include "config/config.h"
#include "logging/log_formatter.h"

namespace tse {

/// `--log.level`: debug, info, warn or warning (what the log prints, and what spdlog prints
/// elsewhere), error. nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);

/// `--log.format`: logfmt or json. nullopt for anything else.
std::optional<LogFormatter::Format> parse_log_format(std::string_view text);

/// The exporter's logger, writing `log`'s format at `log`'s level (or above) to `sink`, flushed
/// at every line (a supervisor reads the log as it comes). Throws std::invalid_argument for a
/// level or format the parsers above refuse.
std::shared_ptr<spdlog::logger> make_logger(const LogConfig& log, spdlog::sink_ptr sink);

/// Makes a logger to standard error the default logger (the one `spdlog::info()` writes to).
/// Called on the main thread at start, before any other thread logs.
void setup_logging(const LogConfig& log);

/// A reload's log settings: the default logger's level and format changed in place. Any thread,
/// while others log: spdlog::info() and the like use the default logger through a raw pointer,
/// so replacing it (setup_logging) while another thread logs would free it under that thread.
/// Throws std::invalid_argument as make_logger().
void reconfigure_logging(const LogConfig& log);

}  // namespace tse
