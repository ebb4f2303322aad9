#pragma once

#include <string_view>

namespace tse::os {

// Paths are UTF-8 strings everywhere in the exporter. Windows takes both '/' and '\' between
// names (C:\GCTI\logs\x.log, \\server\share\x.log, C:/GCTI/logs/x.log); POSIX only '/'.
// The exporter joins names with '/', which Windows accepts too.

constexpr bool is_separator(char c) {
#ifdef _WIN32
  return c == '/' || c == '\\';
#else
  return c == '/';
#endif
}

/// Where the last separator of `path` is, or npos.
constexpr std::size_t last_separator(std::string_view path) {
#ifdef _WIN32
  return path.find_last_of("/\\");
#else
  return path.rfind('/');
#endif
}

/// The last name of a path: "TServer_SfB_01.log" of "/var/log/tserver/TServer_SfB_01.log".
constexpr std::string_view file_name(std::string_view path) {
  const std::size_t at = last_separator(path);
  return at == std::string_view::npos ? path : path.substr(at + 1);
}

/// The folder part of a path, "." for a bare name.
constexpr std::string_view directory(std::string_view path) {
  const std::size_t at = last_separator(path);
  return at == std::string_view::npos ? std::string_view(".") : path.substr(0, at);
}

}  // namespace tse::os
