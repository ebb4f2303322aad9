#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace tse {

/// The command line, parsed. Flags follow Prometheus exporters' naming (`--web.listen-address`).
struct Options {
  std::vector<std::string> source_files;  // --source.file, repeatable
  bool from_beginning = false;            // --source.from-beginning
  bool source_stdin = false;              // --source.stdin
  std::vector<std::string> source_syslog;  // --source.syslog, repeatable
  std::vector<std::string> source_tcp;     // --source.tcp, repeatable
  std::size_t max_tservers = 64;           // --source.max-tservers, per listener
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds idle_flush{1000};
  std::string storage_path = "data";  // --storage.path
  std::chrono::milliseconds write_interval{5000};
  std::string listen_address = ":10057";
  std::string telemetry_path = "/metrics";
  std::size_t web_max_connections = 64;   // --web.max-connections
  std::string log_level = "info";
  bool once = false;
  bool show_help = false;
  bool show_version = false;
  std::size_t metrics_max_tservers = 256;  // --metrics.max-tservers, in all
  std::size_t max_origins = 1024;               // --source.max-origins, per listener
  std::size_t udp_receive_buffer = 4u << 20;    // --source.udp-receive-buffer, bytes
  std::size_t max_streams = 1024;  // --source.max-streams
  std::size_t max_open_files = 0;  // --source.max-open-files; 0: from the descriptor limit
  std::string web_config_file;     // --web.config.file: TLS, basic auth, headers; "": plain HTTP
};

/// A command line that cannot be used; what() is one line that says what to fix.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses argv (without argv[0]). Accepts `--flag=value` and `--flag value`. Throws UsageError.
Options parse_options(const std::vector<std::string>& args);

/// The `--help` text.
std::string usage_text();

/// Parses a whole number from min to max for `flag`. Throws UsageError.
std::size_t parse_count(const std::string& flag, const std::string& text, std::size_t min,
                        std::size_t max);

/// Parses a duration such as `250ms`, `1s`, `2m`, `1h`. Throws UsageError.
std::chrono::milliseconds parse_duration(const std::string& flag, const std::string& text);

}  // namespace tse
