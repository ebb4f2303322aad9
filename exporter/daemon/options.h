#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/config_file.h"
#include "config/config_values.h"

namespace tse {

/// The command line, parsed: how to run (the run-mode bits, never part of Config) and the flags
/// that fill the Config over the configuration file. Flags follow Prometheus exporters' naming
/// (`--web.listen-address`).
struct Options {
  std::string config_file;    // --config.file
  bool config_check = false;  // --config.check
  bool once = false;          // --once
  bool show_help = false;
  bool show_version = false;
  bool windows_service = false;        // --windows.service (Windows only)
  std::string windows_install_config;  // --windows.install-config (Windows only)
  /// The flags that fill the Config, as given: the flag's name (without `--`) and its value.
  std::vector<std::pair<std::string, std::string>> settings;
};

/// Parses argv (without argv[0]). Accepts `--flag=value` and `--flag value`. Every value is
/// checked here (a number in its range, a duration, a URL, an address); what needs the whole
/// configuration (a source at all, --once with network sources) is checked by validate().
/// Throws UsageError. No I/O.
Options parse_options(const std::vector<std::string>& args);

/// Lays the flags over `config` (the defaults, or the file's values): a flag given on the
/// command line wins over the file. A source flag (--source.file, --source.syslog, --source.tcp,
/// --source.stdin) given at least once replaces the file's sources of its kind, and each
/// repetition adds one; --web.listen-address replaces the file's list (the last one given wins).
/// The values the flags override lose their place in `locations`.
void apply_flags(const Options& options, Config& config, ConfigLocations* locations = nullptr);

/// The whole configuration of a run: the defaults, then the --config.file (if any), then the
/// flags, then validate(). Returns every error, one line each (the file's name its line and
/// column); none: `config` can run. Reads the configuration file, opens nothing else.
std::vector<std::string> load_configuration(const Options& options, Config& config);

/// The `--help` text.
std::string usage_text();

}  // namespace tse
