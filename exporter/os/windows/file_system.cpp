// Windows implementation of os/file_system.h and os/file_handle.h (deploy/windows/PORTING.md §1).
// Files are opened with every share flag, so that T-Server can go on writing, renaming and
// deleting a log the exporter holds open, as it can on Linux.
#include "os/file_system.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "os/glob_pattern.h"
#include "os/windows/wide_path.h"

// ntdll's own last status, beside GetLastError's translation of it (declared by the DDK only).
extern "C" LONG NTAPI RtlGetLastNtStatus();

namespace tse::os {
namespace {

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// Windows file names compare without case, and both '/' and '\' separate.
constexpr GlobOptions kWindowsGlob{.case_insensitive = true, .backslash_is_separator = true};

// FILETIME ticks (100 ns since 1601-01-01) of the Unix epoch.
constexpr std::int64_t kUnixEpochTicks = 116'444'736'000'000'000;

// The interface reports errno values (callers print them with strerror): the nearest one.
int errno_of(DWORD error) {
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
      return ENOENT;
    case ERROR_DIRECTORY:  // a name on the path is a file, not a directory
      return ENOTDIR;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
      return EACCES;
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NO_SYSTEM_RESOURCES:
      return ENOMEM;
    default:
      return EIO;
  }
}

FileError error_of(int error_number) {
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return FileError::kMissing;
    case EMFILE:
    case ENOMEM:
      return FileError::kNoDescriptors;
    default:
      return FileError::kOther;
  }
}

// Closes a handle this file opened for a moment.
class ScopedHandle {
 public:
  explicit ScopedHandle(HANDLE handle) : handle_(handle) {}
  ScopedHandle(const ScopedHandle&) = delete;
  ScopedHandle& operator=(const ScopedHandle&) = delete;
  ~ScopedHandle() {
    if (valid()) ::CloseHandle(handle_);
  }
  [[nodiscard]] bool valid() const { return handle_ != INVALID_HANDLE_VALUE; }
  [[nodiscard]] HANDLE get() const { return handle_; }
  HANDLE release() { return std::exchange(handle_, INVALID_HANDLE_VALUE); }

 private:
  HANDLE handle_;
};

// Opens `path` with every share flag. BACKUP_SEMANTICS lets a directory open too, so that it
// is found not regular rather than refused with "access denied".
HANDLE open_shared(const std::string& path, DWORD access) {
  return ::CreateFileW(to_native_path(path).c_str(), access, kShareAll, nullptr, OPEN_EXISTING,
                       FILE_FLAG_BACKUP_SEMANTICS, nullptr);
}

// A file deleted while a handle (the exporter's own, a backup agent's) still holds it open
// stays "delete pending" under its name until the last handle closes, on NTFS without POSIX
// delete semantics (Windows Server 2016 and before, and wine). That name is gone for every
// purpose of the exporter: opening it fails with ACCESS_DENIED and STATUS_DELETE_PENDING on
// Windows; wine even opens it, and then says DeletePending.
constexpr LONG kStatusDeletePending = static_cast<LONG>(0xC0000056);

bool delete_pending(HANDLE handle) {
  FILE_STANDARD_INFO standard{};
  return ::GetFileInformationByHandleEx(handle, FileStandardInfo, &standard, sizeof standard) &&
         standard.DeletePending;
}

// errno for the last failed open: a delete-pending file is a missing one.
int open_error() {
  const DWORD error = ::GetLastError();
  if (error == ERROR_ACCESS_DENIED && RtlGetLastNtStatus() == kStatusDeletePending) return ENOENT;
  return errno_of(error);
}

std::uint64_t join(DWORD high, DWORD low) {
  return (static_cast<std::uint64_t>(high) << 32) | static_cast<std::uint64_t>(low);
}

// The serial number of the volume an open file is on, when GetFileInformationByHandle gives 0.
// Wine looks the volume up by the name the file was opened by, and answers 0 once that name is
// renamed or deleted, which would make a rotated log look like another file. A rename never
// leaves its volume, so the volume of that (stale) name is still the file's. Real Windows
// gives the serial whatever the name; a volume whose serial is 0 gives 0 here too.
DWORD volume_serial_by_name(HANDLE handle) {
  std::wstring path(::GetFinalPathNameByHandleW(handle, nullptr, 0, VOLUME_NAME_DOS), L'\0');
  path.resize(::GetFinalPathNameByHandleW(handle, path.data(), static_cast<DWORD>(path.size()),
                                          VOLUME_NAME_DOS) < path.size()
                  ? path.size() - 1
                  : 0);
  // "\\?\C:\..." or "\\?\UNC\server\share\...": the root is what GetVolumeInformationW takes.
  const std::wstring_view prefix = L"\\\\?\\";
  if (!path.starts_with(prefix)) return 0;
  std::string root = to_utf8(std::wstring_view(path).substr(prefix.size()));
  if (root.starts_with("UNC\\")) root.replace(0, 3, "\\");
  root.resize(root_length(root));
  DWORD serial = 0;
  if (root.empty() || !::GetVolumeInformationW(to_wide(root).c_str(), nullptr, 0, &serial, nullptr,
                                               nullptr, nullptr, 0)) {
    return 0;
  }
  return serial;
}

// Asks the file itself, never its directory entry: NTFS directory entries show a stale size
// for a file another process holds open for writing. A device (NUL, CON) or a pipe has no file
// information to give: it is only found not regular.
bool to_status(HANDLE handle, FileStatus& status) {
  if (::GetFileType(handle) != FILE_TYPE_DISK) {
    status = FileStatus{};
    return true;
  }
  BY_HANDLE_FILE_INFORMATION info{};
  FILE_BASIC_INFO basic{};
  if (!::GetFileInformationByHandle(handle, &info) ||
      !::GetFileInformationByHandleEx(handle, FileBasicInfo, &basic, sizeof basic)) {
    return false;
  }
  const DWORD serial =
      info.dwVolumeSerialNumber != 0 ? info.dwVolumeSerialNumber : volume_serial_by_name(handle);
  status.id = FileIdentity{serial, join(info.nFileIndexHigh, info.nFileIndexLow)};
  status.size = join(info.nFileSizeHigh, info.nFileSizeLow);
  // ChangeTime moves with the data and the metadata (renames, attributes), as POSIX ctime.
  status.change_ns = (basic.ChangeTime.QuadPart - kUnixEpochTicks) * 100;
  status.regular = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
  return true;
}

// Whether an enumeration error means only that there is nothing there.
bool is_absence(DWORD error) {
  return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND ||
         error == ERROR_NO_MORE_FILES || error == ERROR_DIRECTORY || error == ERROR_INVALID_NAME ||
         error == ERROR_BAD_NETPATH || error == ERROR_BAD_NET_NAME || error == ERROR_INVALID_DRIVE;
}

struct Entry {
  std::string name;
  bool directory = false;
};

// Calls `each(Entry)` for every name in the directory `prefix` names (`prefix` ends with a
// separator, or is a drive `C:`, or "" for the current directory), "." and ".." left out.
// Returns 0, or the errno value of an error other than the directory's absence.
template <typename Each>
int enumerate(const std::string& prefix, Each each) {
  WIN32_FIND_DATAW data{};
  HANDLE find = ::FindFirstFileExW(to_native_path(prefix + "*").c_str(), FindExInfoBasic, &data,
                                   FindExSearchNameMatch, nullptr, FIND_FIRST_EX_LARGE_FETCH);
  if (find == INVALID_HANDLE_VALUE) {
    const DWORD error = ::GetLastError();
    return is_absence(error) ? 0 : errno_of(error);
  }
  int result = 0;
  do {
    const std::wstring_view name = data.cFileName;
    if (name == L"." || name == L"..") continue;
    each(Entry{to_utf8(name), (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0});
  } while (::FindNextFileW(find, &data));
  if (const DWORD error = ::GetLastError(); error != ERROR_NO_MORE_FILES) result = errno_of(error);
  ::FindClose(find);
  return result;
}

}  // namespace

void FileHandle::reset() {
  if (native_ != kNone) ::CloseHandle(native_);
  native_ = kNone;
}

OpenResult open_regular(const std::string& path) {
  OpenResult result;
  ScopedHandle handle(open_shared(path, GENERIC_READ));
  if (!handle.valid() || delete_pending(handle.get())) {
    result.error_number = handle.valid() ? ENOENT : open_error();
    result.error = error_of(result.error_number);
    return result;
  }
  if (!to_status(handle.get(), result.status)) {
    result.error_number = errno_of(::GetLastError());
    result.error = FileError::kOther;
    return result;
  }
  if (!result.status.regular) {
    result.error = FileError::kNotRegular;
    return result;
  }
  result.file = FileHandle(handle.release());
  return result;
}

bool status_of(const FileHandle& file, FileStatus& status) {
  return file.valid() && to_status(file.native(), status);
}

StatResult status_at(const std::string& path) {
  StatResult result;
  // FILE_READ_ATTRIBUTES alone: no read access that a writer's share mode could refuse.
  ScopedHandle handle(open_shared(path, FILE_READ_ATTRIBUTES));
  if (!handle.valid() || delete_pending(handle.get())) {
    result.error_number = handle.valid() ? ENOENT : open_error();
    result.error = error_of(result.error_number);
    return result;
  }
  if (!to_status(handle.get(), result.status)) {
    result.error_number = errno_of(::GetLastError());
    result.error = FileError::kOther;
    return result;
  }
  if (!result.status.regular) result.error = FileError::kNotRegular;
  return result;
}

long read_at(const FileHandle& file, char* into, std::size_t size, std::uint64_t offset) {
  // The handle is synchronous: an OVERLAPPED only carries the offset, ReadFile still waits.
  OVERLAPPED at{};
  at.Offset = static_cast<DWORD>(offset);
  at.OffsetHigh = static_cast<DWORD>(offset >> 32);
  const DWORD wanted = static_cast<DWORD>(std::min<std::size_t>(size, 1U << 30));
  DWORD read = 0;
  if (!::ReadFile(file.native(), into, wanted, &read, &at)) {
    const DWORD error = ::GetLastError();
    if (error == ERROR_HANDLE_EOF) return 0;
    errno = errno_of(error);
    return -1;
  }
  return static_cast<long>(read);
}

bool matches_glob(const std::string& pattern, const std::string& path) {
  return glob_match(pattern, path, kWindowsGlob);
}

GlobResult expand_glob(const std::string& pattern) {
  GlobResult result;
  const auto failed = [&](int error_number) {
    if (error_number == 0) return;
    result.complete = false;
    result.error_number = error_number;
  };
  // Each prefix is a directory found so far, written as the pattern writes it (its separators
  // included) with the names found in place of its wildcards.
  const std::size_t root = root_length(pattern);
  std::vector<std::string> prefixes{pattern.substr(0, root)};
  bool checked = false;  // whether the paths in `prefixes` are known to exist
  std::size_t at = root;
  while (at < pattern.size() && !prefixes.empty()) {
    std::size_t end = at;
    while (end < pattern.size() && !is_separator(pattern[end])) ++end;
    const std::string_view name = std::string_view(pattern).substr(at, end - at);
    const bool last = end >= pattern.size();
    const std::string separator = last ? "" : std::string(1, pattern[end]);
    at = last ? end : end + 1;
    if (!has_wildcard(name, kWindowsGlob)) {
      for (std::string& prefix : prefixes) prefix.append(name).append(separator);
      checked = false;
      continue;
    }
    std::vector<std::string> found;
    for (const std::string& prefix : prefixes) {
      failed(enumerate(prefix, [&](const Entry& entry) {
        if ((last || entry.directory) && glob_match(name, entry.name, kWindowsGlob)) {
          found.push_back(prefix + entry.name + separator);
        }
      }));
    }
    prefixes = std::move(found);
    checked = true;
  }
  // Names after the last wildcard were taken as written: a path is a match only if it is there.
  for (std::string& path : prefixes) {
    if (!checked && ::GetFileAttributesW(to_native_path(path).c_str()) == INVALID_FILE_ATTRIBUTES) {
      const DWORD error = ::GetLastError();
      if (!is_absence(error)) failed(errno_of(error));
      continue;
    }
    result.paths.push_back(std::move(path));
  }
  std::sort(result.paths.begin(), result.paths.end());
  return result;
}

std::optional<std::string> find_in_directory(const std::string& directory, std::uint64_t inode) {
  // A directory entry carries no file index: each file is opened (for its attributes only) and
  // asked. The separator is the one the directory is written with.
  const std::size_t last = directory.find_last_of("/\\");
  const char separator = last == std::string::npos ? '\\' : directory[last];
  const std::string prefix =
      directory.empty() || is_separator(directory.back()) ? directory : directory + separator;
  std::optional<std::string> found;
  enumerate(prefix, [&](const Entry& entry) {
    if (found) return;
    ScopedHandle handle(open_shared(prefix + entry.name, FILE_READ_ATTRIBUTES));
    BY_HANDLE_FILE_INFORMATION info{};
    if (handle.valid() && !delete_pending(handle.get()) &&
        ::GetFileInformationByHandle(handle.get(), &info) &&
        join(info.nFileIndexHigh, info.nFileIndexLow) == inode) {
      found = prefix + entry.name;
    }
  });
  return found;
}

}  // namespace tse::os
