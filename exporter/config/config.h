#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "os/default_paths.h"

namespace tse {

/// The typed configuration: what the command-line flags and the YAML file (`--config.file`) both
/// fill, validated in one place before anything is opened or bound, and diffed on reload. Every
/// default here is the documented default (README, `--help`, config/tserver_exporter.yml).
///
/// Plain data: copyable, comparable, no I/O. Built on the main thread at start and on the
/// counting thread at reload; the running daemon reads a copy it owns.

/// One source of T-Server log lines.
struct SourceConfig {
  enum class Kind { kFile, kStdin, kSyslog, kTcp };
  Kind kind = Kind::kFile;
  /// kFile: a file name or glob. kSyslog: `udp://HOST:PORT` or `tcp://HOST:PORT`. kTcp:
  /// `[NAME@]HOST:PORT`. kStdin: empty.
  std::string target;
  /// The `tserver` label of everything this source reads; empty: from the log (the segment's
  /// name, the header block's Application name, the syslog app-name). A named source's
  /// T-Server has every catalog code at 0 from the first scrape.
  std::string tserver;

  bool operator==(const SourceConfig&) const = default;
};

/// An error code named by the configuration, merged over the built-in SfB table (a code in both
/// takes the configuration's name and description).
struct CatalogEntryConfig {
  std::int64_t code = 0;
  std::string name;
  std::string description;

  bool operator==(const CatalogEntryConfig&) const = default;
};

/// The error table: the built-in SfB codes, with
///  - `tables`: files of codes (e.g. config/tlib-error-codes.yml, the generic TLib codes for
///    T-Servers other than SfB) that name codes the built-in table lacks; where a table and the
///    built-in SfB table disagree, the SfB name stays (its names are verbatim from the vendor);
///  - `codes`: the configuration's own entries, over both (a site-specific code, a renamed one).
struct CatalogConfig {
  std::vector<std::string> tables;
  std::vector<CatalogEntryConfig> codes;

  bool operator==(const CatalogConfig&) const = default;
};

/// Every cap of the exporter (README, "Limits").
struct LimitsConfig {
  std::size_t metrics_max_tservers = 256;     // distinct tserver labels in all
  std::size_t source_max_tservers = 64;       // tserver labels per network listener
  std::size_t source_max_origins = 1024;      // origins per network listener
  std::size_t udp_receive_buffer = 4u << 20;  // bytes asked of the kernel per UDP listener
  std::size_t max_streams = 1024;             // log streams followed from file sources
  std::size_t max_open_files = 0;             // 0: from the descriptor limit
  std::size_t web_max_connections = 64;       // HTTP connections open at once

  bool operator==(const LimitsConfig&) const = default;
};

struct StorageConfig {
  std::string path = os::default_state_directory();  // "data"; %ProgramData% on Windows
  std::chrono::milliseconds write_interval{5000};

  bool operator==(const StorageConfig&) const = default;
};

struct WebConfig {
  std::vector<std::string> listen_addresses{":10057"};
  std::string telemetry_path = "/metrics";
  /// The exporter-toolkit web configuration file (TLS, basic auth, headers); empty: plain HTTP.
  std::string config_file;

  bool operator==(const WebConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";     // debug, info, warn (or warning), error
  std::string format = "logfmt";  // logfmt or json

  bool operator==(const LogConfig&) const = default;
};

struct Config {
  std::vector<SourceConfig> sources;
  bool from_beginning = false;
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds idle_flush{1000};
  /// A request not answered within this much log time counts as unanswered (issue 14).
  std::chrono::milliseconds request_timeout{300000};
  CatalogConfig catalog;
  LimitsConfig limits;
  StorageConfig storage;
  WebConfig web;
  LogConfig log;

  bool operator==(const Config&) const = default;
};

}  // namespace tse
