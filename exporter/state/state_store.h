#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "state/state_file.h"

namespace tse {

/// The state file in the storage directory, in two generations: `tserver_exporter.state`, the
/// newest, and `tserver_exporter.state.1`, the one before it. Each write goes through
/// os::replace_file (a temporary file created exclusively, never through a link; fsync; the
/// newest kept as `.1`; the new one renamed in; fsync of the directory), so a crash at any
/// moment leaves a whole generation. At start the newest is used, else (missing or corrupt) the
/// one before: counters and positions always come from one generation, so the counts after the
/// restart are exact (what the older generation lacks is read again from the logs).
/// Not thread-safe: one writer (the event loop).
class StateStore {
 public:
  explicit StateStore(std::string directory);

  static constexpr const char* kFileName = "tserver_exporter.state";
  static constexpr const char* kPreviousFileName = "tserver_exporter.state.1";
  /// A larger state file is refused as damaged: a real one is ~0.3 MB a log at most (README,
  /// The state file), and the number of logs is capped.
  static constexpr std::size_t kMaxStateFileBytes = 256 * 1024 * 1024;

  enum class LoadResult {
    kLoaded,          // the newest generation
    kLoadedPrevious,  // the newest is missing or unusable (`error` says why): the one before
    kMissing,         // neither exists: a first start
    kInvalid,         // neither is usable; `error` says why
  };
  /// Reads the state. With kLoadedPrevious and kInvalid, newest_invalid() tells whether the
  /// newest generation existed but was unreadable, truncated, corrupt or foreign.
  LoadResult load(SavedState& state, std::string& error);
  [[nodiscard]] bool newest_invalid() const { return newest_invalid_; }

  /// Writes the state; false with a reason in `error` when it could not be made durable. The
  /// generation it replaces becomes the previous one, unless it was found unusable at load (a
  /// corrupt file never replaces the good previous generation).
  bool save(const std::string& serialized, std::string& error);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string previous_path() const { return directory_ + "/" + kPreviousFileName; }

 private:
  enum class ReadResult { kRead, kMissing, kInvalid };
  ReadResult read(const std::string& path, SavedState& state, std::string& error) const;

  std::string directory_;
  std::string path_;
  bool newest_invalid_ = false;
};

}  // namespace tse
