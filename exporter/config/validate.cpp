#include "config/validate.h"

#include <filesystem>
#include <set>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

#include "config/config_values.h"
#include "net/host_port.h"
#include "net/ip_address.h"
#include "os/fs_path.h"
#include "source/stream_listener.h"

namespace tse {
namespace {

// The listener's parser names its flag; in the file the key is named instead.
std::string renamed(std::string message, const std::string& flag, const std::string& name) {
  if (message.starts_with(flag + " ")) return name + message.substr(flag.size());
  return name + ": " + message;
}

bool host_name(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void check_count(std::vector<ConfigProblem>& problems, const std::string& key, std::size_t value,
                 CountRange range) {
  if (value < range.min || value > range.max) {
    problems.push_back({key, key + " takes a number from " + std::to_string(range.min) + " to " +
                                 std::to_string(range.max) + " (got " + std::to_string(value) +
                                 ")"});
  }
}

// A folder given where a glob is expected would match itself alone, which is never read: the
// exporter would wait for ever. Said at start instead, with the glob meant.
std::string check_not_folder(const std::string& target) {
  std::error_code ec;
  if (target.empty() || !std::filesystem::is_directory(os::fs_path(target), ec)) return {};
  std::string folder = target;
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  if (folder != "/") folder += '/';
  return "source file \"" + target + "\" is a folder; to follow the logs in it, give \"" + folder +
         "*.log\"";
}

void add(std::vector<ConfigProblem>& problems, const std::string& key, std::string what) {
  if (!what.empty()) problems.push_back({key, std::move(what)});
}

}  // namespace

std::string check_source(const SourceConfig& source, const std::string& name) {
  if (source.kind != SourceConfig::Kind::kStdin && source.target.empty()) {
    return name + " is empty; expected " +
           (source.kind == SourceConfig::Kind::kFile     ? "a file name or glob"
            : source.kind == SourceConfig::Kind::kSyslog ? "udp://HOST:PORT or tcp://HOST:PORT"
                                                         : "[NAME@]HOST:PORT");
  }
  try {
    if (source.kind == SourceConfig::Kind::kSyslog) StreamListener::parse(source.target, true);
    if (source.kind == SourceConfig::Kind::kTcp) StreamListener::parse(source.target, false);
  } catch (const std::invalid_argument& e) {
    return renamed(e.what(), "--source.syslog", name);
  }
  return {};
}

std::string check_listen_address(const std::string& address, const std::string& name) {
  HostPort split;
  try {
    split = split_host_port(address, name + " \"" + address + "\"");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  if (split.host.empty()) return {};
  if (!net::parse_ip_address(split.host) && !host_name(split.host)) {
    return name + " \"" + address + "\": \"" + split.host +
           "\" is neither an IP address nor a host name; use HOST:PORT or :PORT";
  }
  return {};
}

std::string check_telemetry_path(const std::string& path, const std::string& name) {
  if (path.empty() || path.front() != '/' || path == "/" || path.starts_with("/-/")) {
    return name + " must start with / and not be / or under /-/ (got \"" + path + "\")";
  }
  return {};
}

std::string check_log_level(const std::string& level, const std::string& name) {
  if (level == "debug" || level == "info" || level == "warn" || level == "warning" ||
      level == "error") {
    return {};
  }
  return name + " must be one of debug, info, warn, warning, error (got \"" + level + "\")";
}

std::string check_log_format(const std::string& format, const std::string& name) {
  if (format == "logfmt" || format == "json") return {};
  return name + " must be logfmt or json (got \"" + format + "\")";
}

std::vector<ConfigProblem> validate(const Config& config, bool once) {
  std::vector<ConfigProblem> problems;
  using Kind = SourceConfig::Kind;
  if (config.sources.empty()) {
    problems.push_back({"sources",
                        "no log to read; give one or more --source.file=GLOB, or --source.stdin, "
                        "or sources: in the --config.file"});
  }
  std::size_t stdin_sources = 0;
  std::set<std::string> named;
  bool once_said = false;
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    const SourceConfig& source = config.sources[i];
    const std::string key = "sources[" + std::to_string(i) + "]";
    add(problems, key, check_source(source, key));
    if (source.kind == Kind::kFile) add(problems, key + ".file", check_not_folder(source.target));
    if (source.kind == Kind::kStdin && ++stdin_sources == 2) {
      problems.push_back({key, key + " reads standard input again; give stdin once"});
    }
    if (once && !once_said && (source.kind == Kind::kSyslog || source.kind == Kind::kTcp)) {
      once_said = true;
      problems.push_back({key,
                          "--once reads files and standard input only, not --source.syslog "
                          "or --source.tcp"});
    }
    if (!source.tserver.empty()) named.insert(source.tserver);
  }
  if (named.size() > config.limits.metrics_max_tservers) {
    problems.push_back({"limits.metrics_max_tservers",
                        std::to_string(named.size()) +
                            " sources are named (tserver:), more than "
                            "limits.metrics_max_tservers (" +
                            std::to_string(config.limits.metrics_max_tservers) + ")"});
  }
  if (config.poll_interval.count() <= 0) {
    problems.push_back({"source.poll_interval", "source.poll_interval must be > 0"});
  }
  if (config.request_timeout.count() <= 0) {
    problems.push_back({"source.request_timeout", "source.request_timeout must be > 0"});
  }
  if (config.idle_flush.count() < 0) {
    problems.push_back({"source.idle_flush", "source.idle_flush must be >= 0"});
  }

  std::set<std::int64_t> codes;
  for (std::size_t i = 0; i < config.catalog.codes.size(); ++i) {
    const auto& entry = config.catalog.codes[i];
    const std::string key = "catalog.codes[" + std::to_string(i) + "]";
    if (!codes.insert(entry.code).second) {
      problems.push_back(
          {key, key + " names code " + std::to_string(entry.code) + " again; give each code once"});
    }
    if (entry.name.empty()) problems.push_back({key, key + " has no name; expected name: NAME"});
  }
  for (std::size_t i = 0; i < config.catalog.tables.size(); ++i) {
    const std::string key = "catalog.tables[" + std::to_string(i) + "]";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(os::fs_path(config.catalog.tables[i]), ec)) {
      problems.push_back({key, key + " \"" + config.catalog.tables[i] +
                                   "\" is not a readable file; expected a table of error codes"});
    }
  }

  namespace r = count_ranges;
  const LimitsConfig& limits = config.limits;
  check_count(problems, "limits.metrics_max_tservers", limits.metrics_max_tservers,
              r::kMetricsMaxTservers);
  check_count(problems, "limits.source_max_tservers", limits.source_max_tservers,
              r::kSourceMaxTservers);
  check_count(problems, "limits.source_max_origins", limits.source_max_origins,
              r::kSourceMaxOrigins);
  check_count(problems, "limits.udp_receive_buffer", limits.udp_receive_buffer,
              r::kUdpReceiveBuffer);
  check_count(problems, "limits.max_streams", limits.max_streams, r::kMaxStreams);
  check_count(problems, "limits.max_open_files", limits.max_open_files, r::kMaxOpenFiles);
  check_count(problems, "limits.web_max_connections", limits.web_max_connections,
              r::kWebMaxConnections);

  if (config.storage.path.empty()) {
    problems.push_back({"storage.path", "storage.path is empty; expected a directory"});
  }
  if (config.storage.write_interval.count() <= 0) {
    problems.push_back({"storage.write_interval", "storage.write_interval must be > 0"});
  }

  const WebConfig& web = config.web;
  if (web.listen_addresses.empty()) {
    problems.push_back({"web.listen_addresses",
                        "web.listen_addresses is empty; expected at least one HOST:PORT or :PORT"});
  }
  for (std::size_t i = 0; i < web.listen_addresses.size(); ++i) {
    const std::string key = "web.listen_addresses[" + std::to_string(i) + "]";
    add(problems, key, check_listen_address(web.listen_addresses[i], key));
  }
  add(problems, "web.telemetry_path",
      check_telemetry_path(web.telemetry_path, "web.telemetry_path"));
  if (!web.config_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(os::fs_path(web.config_file), ec)) {
      problems.push_back({"web.config_file",
                          "web.config_file \"" + web.config_file + "\" is not a readable file"});
    }
  }
  add(problems, "log.level", check_log_level(config.log.level, "log.level"));
  add(problems, "log.format", check_log_format(config.log.format, "log.format"));
  return problems;
}

}  // namespace tse
