// Windows implementation of os/atomic_file.h (deploy/windows/PORTING.md §1). Windows has no
// directory descriptor nor directory fsync: names are joined to the directory, and
// MOVEFILE_WRITE_THROUGH makes each rename durable before it returns.
#include "os/atomic_file.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <sddl.h>

#include <algorithm>
#include <string>
#include <utility>

#include "os/windows/wide_path.h"

namespace tse::os {
namespace {

// The system's words for an error, in UTF-8, without the trailing ".\r\n".
std::string system_text(DWORD error) {
  wchar_t* buffer = nullptr;
  const DWORD length = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::wstring_view text(buffer, length);
  while (!text.empty() && (text.back() == L'\r' || text.back() == L'\n' || text.back() == L'.')) {
    text.remove_suffix(1);
  }
  std::string utf8 = text.empty() ? "error " + std::to_string(error) : to_utf8(text);
  ::LocalFree(buffer);
  return utf8;
}

std::string error_text(const std::string& what) {
  return what + ": " + system_text(::GetLastError());
}

// Closes a handle on every way out.
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
  /// Closes now: a close can report a write error the cache held back.
  bool close() { return ::CloseHandle(std::exchange(handle_, INVALID_HANDLE_VALUE)) != 0; }

 private:
  HANDLE handle_;
};

bool write_all(HANDLE file, std::string_view bytes) {
  while (!bytes.empty()) {
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(bytes.size(), 1U << 30));
    DWORD written = 0;
    if (!::WriteFile(file, bytes.data(), chunk, &written, nullptr)) return false;
    if (written == 0) {
      ::SetLastError(ERROR_WRITE_FAULT);
      return false;
    }
    bytes.remove_prefix(written);
  }
  return true;
}

bool remove_if_there(const std::wstring& path) {
  // Not there, or its folder is not (then creating it says why, as on POSIX).
  return ::DeleteFileW(path.c_str()) || ::GetLastError() == ERROR_FILE_NOT_FOUND ||
         ::GetLastError() == ERROR_PATH_NOT_FOUND;
}

// MoveFileExW over an existing name, durably. A virus scanner or a backup agent that has just
// opened the file without FILE_SHARE_DELETE makes it fail for a moment: retried 3 times within
// about 100 ms before the failure stands.
bool replace_by_rename(const std::wstring& from, const std::wstring& to) {
  for (int attempt = 0;; ++attempt) {
    if (::MoveFileExW(from.c_str(), to.c_str(),
                      MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
      return true;
    }
    const DWORD error = ::GetLastError();
    if (attempt == 3 || (error != ERROR_ACCESS_DENIED && error != ERROR_SHARING_VIOLATION)) {
      return false;
    }
    ::Sleep(33);
  }
}

// Makes `previous` name the file `target` names now (nothing to do without one), so that
// `target` exists at every moment: a hard link under a temporary name renamed over `previous`.
// Where hard links are not supported (FAT, ReFS), `target` is renamed to `previous` (then a
// crash before the new file is renamed in leaves only `previous`, which the loader falls back
// to).
bool keep_as(const std::wstring& target, const std::wstring& previous) {
  const std::wstring link = previous + L".tmp";
  if (!remove_if_there(link)) return false;
  if (::CreateHardLinkW(link.c_str(), target.c_str(), nullptr)) {
    return replace_by_rename(link, previous);
  }
  const DWORD error = ::GetLastError();
  if (error == ERROR_FILE_NOT_FOUND) return true;
  if (error != ERROR_NOT_SUPPORTED && error != ERROR_INVALID_FUNCTION) return false;
  return replace_by_rename(target, previous) || ::GetLastError() == ERROR_FILE_NOT_FOUND;
}

// The name `name` in `directory`, as written for messages.
std::string join(const std::string& directory, std::string_view name) {
  if (!directory.empty() && !is_separator(directory.back())) {
    return directory + "/" + std::string(name);  // as StateStore's paths: Windows takes '/'
  }
  return directory + std::string(name);
}

}  // namespace

bool make_private_directory(const std::string& directory, std::string& error) {
  // Full control for SYSTEM, the Administrators and the owner (the exporter's account), no
  // inheritance from the parent: the equivalent of mode 0700. Wine ignores it.
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(
          L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;OW)", SDDL_REVISION_1, &descriptor,
          nullptr)) {
    error = error_text("cannot create " + directory);
    return false;
  }
  SECURITY_ATTRIBUTES attributes{sizeof attributes, descriptor, FALSE};
  bool created = true;
  // Each prefix that ends a name, the root (`C:\`, `\\server\share\`) left out.
  for (std::size_t end = root_length(directory); end <= directory.size() && created; ++end) {
    if (end < directory.size() && !is_separator(directory[end])) continue;
    if (end == 0 || is_separator(directory[end - 1])) continue;
    const std::string prefix = directory.substr(0, end);
    const std::wstring native = to_native_path(prefix);
    if (!::CreateDirectoryW(native.c_str(), &attributes) &&
        ::GetLastError() != ERROR_ALREADY_EXISTS) {
      error = error_text("cannot create " + prefix);
      created = false;
    }
  }
  ::LocalFree(descriptor);
  return created;
}

bool replace_file(const std::string& directory, std::string_view name, std::string_view previous,
                  std::string_view bytes, std::string& error) {
  const std::string shown = join(directory, std::string(name) + ".tmp");
  const std::wstring target = to_native_path(join(directory, name));
  const std::wstring temporary = to_native_path(shown);
  // A temporary file left by a crash, or a link planted in its place: DeleteFileW removes a
  // link, never its target.
  if (!remove_if_there(temporary)) {
    error = error_text("cannot remove the stale " + shown);
    return false;
  }
  // CREATE_NEW fails on any existing name; no sharing while it is written. The new file
  // inherits the directory's DACL (make_private_directory's).
  ScopedHandle file(::CreateFileW(temporary.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                                  FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.valid()) {
    error = error_text("cannot write " + shown);
    return false;
  }
  const auto fail = [&](const std::string& what) {
    error = error_text(what);
    if (file.valid()) file.close();
    ::DeleteFileW(temporary.c_str());  // gives back the space of a full disk
    return false;
  };
  if (!write_all(file.get(), bytes)) return fail("cannot write " + shown);
  if (!::FlushFileBuffers(file.get())) return fail("cannot flush " + shown);
  if (!file.close()) return fail("cannot write " + shown);
  if (!previous.empty() && !keep_as(target, to_native_path(join(directory, previous)))) {
    return fail("cannot keep " + join(directory, name) + " as " + std::string(previous));
  }
  if (!replace_by_rename(temporary, target)) return fail("cannot rename " + shown);
  return true;
}

}  // namespace tse::os
