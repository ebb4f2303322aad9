#include "os/windows/wide_path.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <climits>

namespace tse::os {
namespace {

// Beyond this many UTF-16 units a path needs the `\\?\` prefix. MAX_PATH (260) counts the
// terminating NUL, and CreateDirectoryW leaves room for an 8.3 name in it (MAX_PATH - 12):
// the smaller limit is kept for all calls.
constexpr std::size_t kShortPathLimit = MAX_PATH - 12;

bool starts_with(std::wstring_view text, std::wstring_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::wstring to_wide(std::string_view utf8) {
  if (utf8.empty() || utf8.size() > INT_MAX) return {};
  const int length = static_cast<int>(utf8.size());
  const int units = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(units), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), length, wide.data(), units);
  return wide;
}

std::string to_utf8(std::wstring_view wide) {
  if (wide.empty() || wide.size() > INT_MAX) return {};
  const int length = static_cast<int>(wide.size());
  const int bytes =
      ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), length, nullptr, 0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(bytes), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), length, utf8.data(), bytes, nullptr, nullptr);
  return utf8;
}

std::wstring to_native_path(std::string_view utf8) {
  std::wstring wide = to_wide(utf8);
  if (wide.size() < kShortPathLimit || starts_with(wide, L"\\\\?\\") ||
      starts_with(wide, L"\\\\.\\")) {
    return wide;
  }
  const DWORD needed = ::GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  if (needed == 0) return wide;  // the call that uses it reports why
  std::wstring full(needed, L'\0');
  const DWORD written = ::GetFullPathNameW(wide.c_str(), needed, full.data(), nullptr);
  if (written == 0 || written >= needed) return wide;
  full.resize(written);
  if (starts_with(full, L"\\\\")) return L"\\\\?\\UNC\\" + full.substr(2);
  return L"\\\\?\\" + full;
}

std::size_t root_length(std::string_view path) {
  if (path.size() >= 2 && is_separator(path[0]) && is_separator(path[1])) {
    // \\server\share\: the two names after the leading pair, and the separator after them.
    std::size_t at = 2;
    for (int name = 0; name < 2 && at < path.size(); ++name) {
      while (at < path.size() && !is_separator(path[at])) ++at;
      if (at < path.size()) ++at;
    }
    return at;
  }
  if (path.size() >= 2 && path[1] == ':' &&
      ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'))) {
    return path.size() >= 3 && is_separator(path[2]) ? 3 : 2;
  }
  return !path.empty() && is_separator(path[0]) ? 1 : 0;
}

}  // namespace tse::os
