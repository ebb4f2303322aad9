#include "state/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tse {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

StateStore::StateStore(std::string directory)
    : directory_(std::move(directory)), path_(directory_ + "/" + kFileName) {}

StateStore::LoadResult StateStore::load(SavedState& state, std::string& error) const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return LoadResult::kMissing;
    error = errno_text("cannot open " + path_);
    return LoadResult::kInvalid;
  }
  std::string text;
  char buf[65536];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  const bool read_failed = n < 0;
  ::close(fd);
  if (read_failed) {
    error = errno_text("cannot read " + path_);
    return LoadResult::kInvalid;
  }
  std::string why;
  auto parsed = parse_state(text, why);
  if (!parsed) {
    error = path_ + " is " + why;
    return LoadResult::kInvalid;
  }
  state = std::move(*parsed);
  return LoadResult::kLoaded;
}

bool StateStore::save(const std::string& serialized, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  const std::string temporary = path_ + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = errno_text("cannot write " + temporary);
    return false;
  }
  std::size_t done = 0;
  while (done < serialized.size()) {
    const ssize_t n = ::write(fd, serialized.data() + done, serialized.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_text("cannot write " + temporary);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    error = errno_text("cannot fsync " + temporary);
    ::close(fd);
    return false;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path_.c_str()) != 0) {
    error = errno_text("cannot rename " + temporary);
    return false;
  }
  const int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::fsync(dir) != 0) {
    error = errno_text("cannot fsync " + directory_);
    if (dir >= 0) ::close(dir);
    return false;
  }
  ::close(dir);
  return true;
}

}  // namespace tse
