// POSIX implementation of os/file_system.h and os/file_handle.h.
#include "os/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace tse::os {
namespace {

FileStatus to_status(const struct ::stat& st) {
  FileStatus status;
  status.id =
      FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  status.size = static_cast<std::uint64_t>(st.st_size);
  status.change_ns =
      static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  status.regular = S_ISREG(st.st_mode);
  return status;
}

FileError error_of(int error_number) {
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return FileError::kMissing;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
      return FileError::kNoDescriptors;
    case ENXIO:  // a FIFO opened for writing without a reader, a device without its driver
    case ENODEV:
      return FileError::kNotRegular;
    default:
      return FileError::kOther;
  }
}

// glob(3)'s error callback takes no context: the calling thread's last directory error.
thread_local int glob_error = 0;

int on_glob_error(const char* /*path*/, int error_number) {
  if (error_number != ENOENT && error_number != ENOTDIR && glob_error == 0) {
    glob_error = error_number;
  }
  return 0;  // go on with the other directories
}

}  // namespace

void FileHandle::reset() {
  if (native_ != kNone) ::close(native_);
  native_ = kNone;
}

OpenResult open_regular(const std::string& path) {
  OpenResult result;
  // O_NONBLOCK: opening a FIFO or a terminal must not wait for the other end. It does not change
  // how a regular file is read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    result.error_number = errno;
    result.error = error_of(errno);
    return result;
  }
  FileHandle file(fd);
  struct ::stat st {};
  if (::fstat(fd, &st) != 0) {
    result.error_number = errno;
    result.error = FileError::kOther;
    return result;
  }
  result.status = to_status(st);
  if (!result.status.regular) {
    result.error = FileError::kNotRegular;
    return result;
  }
  result.file = std::move(file);
  return result;
}

bool status_of(const FileHandle& file, FileStatus& status) {
  struct ::stat st {};
  if (!file.valid() || ::fstat(file.native(), &st) != 0) return false;
  status = to_status(st);
  return true;
}

StatResult status_at(const std::string& path) {
  StatResult result;
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    result.error_number = errno;
    result.error = error_of(errno);
    return result;
  }
  result.status = to_status(st);
  if (!result.status.regular) result.error = FileError::kNotRegular;
  return result;
}

long read_at(const FileHandle& file, char* into, std::size_t size, std::uint64_t offset) {
  while (true) {
    const ssize_t n = ::pread(file.native(), into, size, static_cast<off_t>(offset));
    if (n >= 0 || errno != EINTR) return static_cast<long>(n);
  }
}

bool matches_glob(const std::string& pattern, const std::string& path) {
  // glob(3) with no flags: `*` and `?` stop at '/', and a leading '.' of a name is matched only
  // by a '.' in the pattern.
  return ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0;
}

GlobResult expand_glob(const std::string& pattern) {
  GlobResult result;
  glob_error = 0;
  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), 0, &on_glob_error, &matches);
  if (rc == 0) {
    result.paths.reserve(matches.gl_pathc);
    for (std::size_t i = 0; i < matches.gl_pathc; ++i)
      result.paths.emplace_back(matches.gl_pathv[i]);
  } else if (rc != GLOB_NOMATCH) {
    result.complete = false;  // GLOB_NOSPACE, GLOB_ABORTED
    result.error_number = glob_error != 0 ? glob_error : ENOMEM;
  }
  if (glob_error != 0) {
    result.complete = false;
    result.error_number = glob_error;
  }
  ::globfree(&matches);
  return result;
}

std::optional<std::string> find_in_directory(const std::string& directory, std::uint64_t inode) {
  DIR* d = ::opendir(directory.c_str());
  if (d == nullptr) return std::nullopt;
  std::optional<std::string> found;
  while (const dirent* entry = ::readdir(d)) {
    if (static_cast<std::uint64_t>(entry->d_ino) == inode) {
      found = directory + "/" + entry->d_name;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace tse::os
