#include "state/state_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "os/atomic_file.h"

namespace tse {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

StateStore::StateStore(std::string directory)
    : directory_(std::move(directory)), path_(directory_ + "/" + kFileName) {}

StateStore::ReadResult StateStore::read(const std::string& path, SavedState& state,
                                        std::string& error) const {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return ReadResult::kMissing;
    error = errno_text("cannot open " + path);
    return ReadResult::kInvalid;
  }
  std::string text;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  const bool read_failed = n < 0;
  ::close(fd);
  if (read_failed) {
    error = errno_text("cannot read " + path);
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
