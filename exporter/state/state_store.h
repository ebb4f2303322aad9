#pragma once

#include <optional>
#include <string>

#include "state/state_file.h"

namespace tse {

/// The state file in the storage directory, written atomically: a temporary file, fsync,
/// rename over the old one, fsync of the directory. A crash at any moment leaves either the old
/// or the new state, whole. Not thread-safe: one writer (the event loop).
class StateStore {
 public:
  explicit StateStore(std::string directory);

  static constexpr const char* kFileName = "tserver_exporter.state";

  enum class LoadResult { kLoaded, kMissing, kInvalid };
  /// Reads the state; kInvalid says why in `error` (unreadable, truncated, corrupt, foreign).
  LoadResult load(SavedState& state, std::string& error) const;

  /// Writes the state; false with a reason in `error` when it could not be made durable.
  bool save(const std::string& serialized, std::string& error);

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

}  // namespace tse
