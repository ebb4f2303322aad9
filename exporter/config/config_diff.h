#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace tse {

/// What a reload changes: the configuration in force against the one just read and validated.
/// The daemon applies what it can (sources added and removed, the catalog, the T-Server limit,
/// the log settings) and logs, for each of `needs_restart`, that it stays as it was until the
/// next start.
struct ConfigDiff {
  /// Sources compare whole (kind, target, tserver): a source whose `tserver` changes is one
  /// removed and one added. In the order of the configuration they come from.
  std::vector<SourceConfig> sources_added;
  std::vector<SourceConfig> sources_removed;
  std::vector<SourceConfig> sources_kept;
  bool catalog_changed = false;
  bool limits_changed = false;
  bool storage_changed = false;
  bool web_changed = false;
  bool log_changed = false;
  /// The changes a running daemon does not apply, one line each: the key, and why.
  std::vector<std::string> needs_restart;

  /// Nothing changed at all.
  [[nodiscard]] bool empty() const;
};

/// Pure: compares two configurations. Any thread.
ConfigDiff diff(const Config& old, const Config& next);

}  // namespace tse
