#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace tse {

/// One thing wrong with a configuration: the key it is about (`sources[1]`, `limits.max_streams`,
/// `web.listen_addresses[0]`; ConfigLocations turns it into the file's line) and one line that
/// says what is wrong and what is expected.
struct ConfigProblem {
  std::string key;
  std::string what;

  bool operator==(const ConfigProblem&) const = default;
};

/// Checks a whole configuration, however it was filled (flags, file, both): every value in its
/// range, every address and URL well-formed, the sources usable together (`once`: the one-shot
/// mode, which reads files and standard input only), no file source naming a folder. Returns
/// every problem; none: it can run. Nothing is opened, bound or resolved (a file source's path
/// is looked at). Any thread.
std::vector<ConfigProblem> validate(const Config& config, bool once = false);

// The checks of single values, shared by the flags, the file and validate(). Each returns ""
// when the value is good, else one line that begins with `name` (a flag or a key).

/// A source: its syslog URL (through StreamListener::parse, the listeners' own parser), its TCP
/// target, its glob, its tserver name.
std::string check_source(const SourceConfig& source, const std::string& name);
/// `HOST:PORT`, `:PORT` or `[V6]:PORT`; a HOST that is not an IP address must be a host name.
std::string check_listen_address(const std::string& address, const std::string& name);
/// Starts with `/`, and is neither `/` nor one of the exporter's own paths.
std::string check_telemetry_path(const std::string& path, const std::string& name);
/// debug, info, warn (or warning), error.
std::string check_log_level(const std::string& level, const std::string& name);
/// logfmt or json.
std::string check_log_format(const std::string& format, const std::string& name);

}  // namespace tse
