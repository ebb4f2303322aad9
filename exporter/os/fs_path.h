#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace tse::os {

// std::filesystem::path from and to the exporter's UTF-8 strings. A path made from a plain
// std::string is read in the system's narrow encoding: UTF-8 on Linux, but the ANSI code page
// on Windows, where a name such as "Журнал" would be garbled. char8_t says UTF-8 everywhere.

inline std::filesystem::path fs_path(std::string_view utf8) {
  return std::filesystem::path(
      std::u8string(reinterpret_cast<const char8_t*>(utf8.data()), utf8.size()));
}

inline std::string utf8_of(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return std::string(reinterpret_cast<const char*>(text.data()), text.size());
}

}  // namespace tse::os
