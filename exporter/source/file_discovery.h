#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "logging/rate_limiter.h"
#include "metrics/self_metrics.h"
#include "os/file_handle.h"
#include "os/path.h"

namespace tse {

/// Finds the files the tailer follows: expands the --source.file globs, drops excluded names
/// and everything that is not a regular file, and says whether the look was complete, so that
/// a directory that could not be read (no descriptor left, no permission) is never taken for
/// files that vanished. Not thread-safe: the tailer's thread calls it.
class FileDiscovery {
 public:
  /// True for file names never to read.
  using Exclude = std::function<bool(std::string_view file_name)>;

  struct Found {
    std::string path;
    std::size_t glob = 0;  // the first glob that matched it
    os::FileStatus status;
  };
  struct Scan {
    std::vector<Found> files;
    /// False when some directory or file could not be looked at: a file not found may be there.
    bool complete = true;
  };

  FileDiscovery(std::vector<std::string> globs, Exclude exclude, SelfMetrics& metrics);

  Scan scan();
  [[nodiscard]] const std::vector<std::string>& globs() const { return globs_; }
  /// Reload: the globs looked at from the next scan on (Found::glob indexes the new list).
  void set_globs(std::vector<std::string> globs);

 private:
  std::vector<std::string> globs_;
  Exclude exclude_;
  SelfMetrics& metrics_;
  std::set<std::string> unmatched_;  // warned about once
  RateLimiter warnings_;
};

using os::directory;
using os::file_name;

}  // namespace tse
