#include "state/state_store.h"

#include "os/atomic_file.h"
#include "os/small_file.h"

namespace tse {

StateStore::StateStore(std::string directory)
    : directory_(std::move(directory)), path_(directory_ + "/" + kFileName) {}

StateStore::ReadResult StateStore::read(const std::string& path, SavedState& state,
                                        std::string& error) const {
  std::string text;
  bool missing = false;
  const std::string why_not = os::read_small_file(path, text, kMaxStateFileBytes, &missing);
  if (missing) return ReadResult::kMissing;
  if (!why_not.empty()) {
    error = path + " " + (why_not.starts_with("is ") ? why_not : "cannot be read: " + why_not);
    return ReadResult::kInvalid;
  }
  std::string why;
  auto parsed = parse_state(text, why);
  if (!parsed) {
    error = path + " is " + why;
    return ReadResult::kInvalid;
  }
  state = std::move(*parsed);
  return ReadResult::kRead;
}

StateStore::LoadResult StateStore::load(SavedState& state, std::string& error) {
  const ReadResult newest = read(path_, state, error);
  newest_invalid_ = newest == ReadResult::kInvalid;
  if (newest == ReadResult::kRead) return LoadResult::kLoaded;
  if (newest == ReadResult::kMissing) error = path_ + " is missing";
  std::string previous_error;
  switch (read(previous_path(), state, previous_error)) {
    case ReadResult::kRead:
      return LoadResult::kLoadedPrevious;
    case ReadResult::kMissing:
      return newest_invalid_ ? LoadResult::kInvalid : LoadResult::kMissing;
    case ReadResult::kInvalid:
      error += "; " + previous_error;
      return LoadResult::kInvalid;
  }
  return LoadResult::kInvalid;
}

bool StateStore::save(const std::string& serialized, std::string& error) {
  if (!os::make_private_directory(directory_, error)) return false;
  // A newest generation found corrupt is replaced, never kept as the previous one.
  const char* previous = newest_invalid_ ? "" : kPreviousFileName;
  if (!os::replace_file(directory_, kFileName, previous, serialized, error)) return false;
  newest_invalid_ = false;
  return true;
}

}  // namespace tse
