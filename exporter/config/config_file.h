#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"

namespace tse {

/// Where each value of a configuration file was written: a key path (`limits.max_streams`,
/// `sources[2]`, `web.listen_addresses[0]`) to `FILE:LINE:COLUMN` (1-based), so that a problem
/// found later, by validate(), names the line to fix. A value a flag overrode has no location.
struct ConfigLocations {
  std::map<std::string, std::string> at;

  /// `FILE:LINE:COLUMN: what` when `key` (or, failing it, its parent) came from the file; else
  /// `what`.
  [[nodiscard]] std::string describe(const std::string& key, const std::string& what) const;
};

/// Reads the YAML configuration file `path` over `config` (which holds the defaults, or
/// whatever was there). Strict: an unknown key, a key given twice, a value of the wrong type or
/// out of its range is an error, and so is a YAML syntax error. Returns every error, each one
/// line `FILE:LINE:COLUMN: what is wrong; what is expected`; a value in error leaves what
/// `config` held. Relative paths in the file (catalog tables, web.config_file) are resolved
/// against the file's directory. Nothing is opened but the file itself.
///
/// Pure but for reading `path`; any thread.
std::vector<std::string> load_config_file(const std::string& path, Config& config,
                                          ConfigLocations* locations = nullptr);

/// The same, on the text of a file: `file_name` is what the errors name, `base_directory` what
/// relative paths resolve against.
std::vector<std::string> parse_config_text(const std::string& text, const std::string& file_name,
                                           const std::string& base_directory, Config& config,
                                           ConfigLocations* locations = nullptr);

}  // namespace tse
