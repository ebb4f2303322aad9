#pragma once

#include <string>
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

/// One spelling of a folder, for keys that must not depend on how a glob wrote it
/// ("logs//x", "logs/./x" and "logs/x" are one folder; on Windows also "LOGS\\X"): separators
/// made '/', repeated ones and "." names dropped, a trailing one dropped; on Windows ASCII
/// letters folded to lower case, and a leading "\\\\" (UNC) kept. ".." is kept: it may
/// cross a link.
inline std::string normal_directory(std::string_view folder) {
  std::string out;
  out.reserve(folder.size());
  std::size_t at = 0;
#ifdef _WIN32
  if (folder.size() >= 2 && is_separator(folder[0]) && is_separator(folder[1])) {
    out.assign(2, '/');
    at = 2;
  }
#endif
  if (out.empty() && !folder.empty() && is_separator(folder[0])) out.push_back('/');
  while (at < folder.size()) {
    while (at < folder.size() && is_separator(folder[at])) ++at;
    std::size_t end = at;
    while (end < folder.size() && !is_separator(folder[end])) ++end;
    const std::string_view name = folder.substr(at, end - at);
    at = end;
    if (name.empty() || name == ".") continue;
    if (!out.empty() && out.back() != '/') out += '/';
    out += name;
  }
#ifdef _WIN32
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
#endif
  return out.empty() ? std::string(".") : out;
}

}  // namespace tse::os
