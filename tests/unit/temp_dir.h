#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace tse::testing {

/// A fresh, empty folder under the system's temporary folder (/tmp, or %TEMP% on Windows), for
/// one test; the caller removes it. Portable: the Windows build runs these tests under wine.
inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  static std::atomic<unsigned> serial{0};
  const auto tick = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      (prefix + std::to_string(tick) + "_" +
                                       std::to_string(serial++) + "_" + std::to_string(attempt));
    if (std::filesystem::create_directory(dir)) return dir;  // false: it existed
  }
}

/// `path` as a path resolved by std::filesystem reads on this system: on Windows, where
/// lexically_normal() writes '\', with every '/' made '\'.
inline std::string native_separators(std::string path) {
#ifdef _WIN32
  for (char& c : path) {
    if (c == '/') c = '\\';
  }
#endif
  return path;
}

}  // namespace tse::testing
