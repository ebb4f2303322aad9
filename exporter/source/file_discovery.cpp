#include "source/file_discovery.h"

#include <algorithm>
#include <cstring>

#include <spdlog/spdlog.h>

#include "os/file_system.h"

namespace tse {

FileDiscovery::FileDiscovery(std::vector<std::string> globs, Exclude exclude, SelfMetrics& metrics)
    : globs_(std::move(globs)), exclude_(std::move(exclude)), metrics_(metrics) {}

void FileDiscovery::set_globs(std::vector<std::string> globs) {
  globs_ = std::move(globs);
  std::erase_if(unmatched_, [this](const std::string& glob) {
    return std::find(globs_.begin(), globs_.end(), glob) == globs_.end();
  });
}

FileDiscovery::Scan FileDiscovery::scan() {
  Scan scan;
  std::set<std::string> paths;  // a file two globs match is found once, for the first
  for (std::size_t g = 0; g < globs_.size(); ++g) {
    const std::string& pattern = globs_[g];
    os::GlobResult matches = os::expand_glob(pattern);
    if (!matches.complete) {
      scan.complete = false;
      metrics_.scan_errors.Increment();
      if (warnings_.allow()) {
        spdlog::warn(
            "cannot look at every file that matches {}: {}; files not seen are not taken "
            "for gone",
            pattern, std::strerror(matches.error_number));
      }
    }
    if (!matches.paths.empty()) {
      if (unmatched_.erase(pattern) > 0) spdlog::info("files now match {}", pattern);
    } else if (matches.complete && unmatched_.insert(pattern).second) {
      spdlog::warn("no file matches {} yet; waiting for it", pattern);
    }
    for (std::string& path : matches.paths) {
      if (exclude_(file_name(path))) continue;
      const os::StatResult stat = os::status_at(path);
      if (stat.error == os::FileError::kNotRegular || stat.error == os::FileError::kMissing) {
        continue;  // a FIFO, a directory, a dangling symlink; or gone since the glob
      }
      if (stat.error != os::FileError::kNone) {
        scan.complete = false;
        metrics_.scan_errors.Increment();
        if (warnings_.allow()) {
          spdlog::warn("cannot look at {}: {}", path, std::strerror(stat.error_number));
        }
        continue;
      }
      if (!paths.insert(path).second) continue;
      scan.files.push_back(Found{std::move(path), g, stat.status});
    }
  }
  metrics_.globs_unmatched.Set(static_cast<double>(unmatched_.size()));
  return scan;
}

}  // namespace tse
