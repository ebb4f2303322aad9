#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "os/file_handle.h"

namespace tse::os {

// The few file-system calls the file source makes, behind one small interface: the POSIX
// implementation is in os/posix/, the Windows one in os/windows/. Any thread may call them;
// none blocks on what a file is (a FIFO, a device): only regular files are ever opened.

/// Why a file could not be opened or looked at.
enum class FileError {
  kNone,
  kMissing,        // no such file (or a directory on its path is gone)
  kNotRegular,     // a FIFO, a device, a socket, a directory: never read
  kNoDescriptors,  // the process or the system is out of descriptors: try again later
  kOther,          // permissions, I/O errors: `error_number` says which
};

struct OpenResult {
  FileHandle file;
  FileStatus status;
  FileError error = FileError::kNone;
  int error_number = 0;
};

/// Opens `path` for reading if it is a regular file. Never blocks: a FIFO without a writer or a
/// terminal is opened non-blocking, found not regular and closed at once.
OpenResult open_regular(const std::string& path);

/// The status of an open file; false on failure.
bool status_of(const FileHandle& file, FileStatus& status);

struct StatResult {
  FileStatus status;
  FileError error = FileError::kNone;
  int error_number = 0;
};

/// The status of the file a path names (following symlinks), without opening it.
StatResult status_at(const std::string& path);

/// Reads up to `size` bytes at `offset`; the count read, 0 at the end, -1 on error (errno set).
/// Retries on EINTR.
long read_at(const FileHandle& file, char* into, std::size_t size, std::uint64_t offset);

struct GlobResult {
  std::vector<std::string> paths;  // sorted
  /// False when a directory could not be read for a reason other than its absence (no
  /// descriptors, permissions): a path missing from `paths` may still be there.
  bool complete = true;
  int error_number = 0;
};

/// The paths that match a shell pattern (`*`, `?`, `[...]`), sorted.
GlobResult expand_glob(const std::string& pattern);

/// Whether expand_glob(pattern) would match `path` were it there (no file is looked at).
bool matches_glob(const std::string& pattern, const std::string& path);

/// A name in `directory` that holds the file `inode`, if any (a file renamed within its
/// directory while the exporter was stopped).
std::optional<std::string> find_in_directory(const std::string& directory, std::uint64_t inode);

}  // namespace tse::os
