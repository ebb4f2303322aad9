#include "os/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tse::os {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a descriptor on every way out.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  /// Closes now: close() reports write errors some file systems (NFS) hold back until then.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Makes `previous` name the file `target` names now (nothing to do without one), so that
// `target` exists at every moment: a hard link under a temporary name renamed over `previous`.
// Where hard links are not supported, `target` is renamed to `previous` (then a crash before the
// new file is renamed in leaves only `previous`, which the loader falls back to).
bool keep_as(int dir, const std::string& target, const std::string& previous) {
  const std::string link = previous + ".tmp";
  if (::unlinkat(dir, link.c_str(), 0) != 0 && errno != ENOENT) return false;
  if (::linkat(dir, target.c_str(), dir, link.c_str(), 0) == 0) {
    return ::renameat(dir, link.c_str(), dir, previous.c_str()) == 0;
  }
  if (errno == ENOENT) return true;
  if (errno != EPERM && errno != ENOTSUP && errno != EMLINK) return false;
  return ::renameat(dir, target.c_str(), dir, previous.c_str()) == 0 || errno == ENOENT;
}

}  // namespace

bool make_private_directory(const std::string& directory, std::string& error) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = directory.find('/', pos + 1);
    const std::string prefix = directory.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      error = errno_text("cannot create " + prefix);
      return false;
    }
  }
  return true;
}

bool replace_file(const std::string& directory, std::string_view name, std::string_view previous,
                  std::string_view bytes, std::string& error) {
  const std::string target(name);
  const std::string temporary = target + ".tmp";
  const std::string shown = directory + "/" + temporary;
  Descriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    error = errno_text("cannot write " + shown);
    return false;
  }
  // A temporary file left by a crash, or a link planted in its place: removed, never followed.
  if (::unlinkat(dir.get(), temporary.c_str(), 0) != 0 && errno != ENOENT) {
    error = errno_text("cannot remove the stale " + shown);
    return false;
  }
  Descriptor file(::openat(dir.get(), temporary.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (file.get() < 0) {
    error = errno_text("cannot write " + shown);
    return false;
  }
  const auto fail = [&](const std::string& what) {
    error = errno_text(what);
    ::unlinkat(dir.get(), temporary.c_str(), 0);  // gives back the space of a full disk
    return false;
  };
  if (!write_all(file.get(), bytes)) return fail("cannot write " + shown);
  if (::fsync(file.get()) != 0) return fail("cannot fsync " + shown);
  if (!file.close()) return fail("cannot write " + shown);
  if (!previous.empty() && !keep_as(dir.get(), target, std::string(previous))) {
    return fail("cannot keep " + directory + "/" + target + " as " + std::string(previous));
  }
  if (::renameat(dir.get(), temporary.c_str(), dir.get(), target.c_str()) != 0) {
    return fail("cannot rename " + shown);
  }
  if (::fsync(dir.get()) != 0) {
    error = errno_text("cannot fsync " + directory);
    return false;
  }
  return true;
}

}  // namespace tse::os
