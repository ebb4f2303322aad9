#include "os/small_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "os/file_system.h"
#include "os/fs_path.h"

namespace tse::os {

std::string read_small_file(const std::string& path, std::string& text, std::size_t max_bytes,
                            bool* missing) {
  text.clear();
  if (missing != nullptr) *missing = false;
  OpenResult opened = open_regular(path);
  if (opened.error == FileError::kNotRegular) {
    std::error_code ec;
    return std::filesystem::is_directory(fs_path(path), ec)
               ? "is a directory"
               : "is not a regular file (a FIFO, a device or a socket)";
  }
  if (opened.error == FileError::kMissing && missing != nullptr) *missing = true;
  if (opened.error != FileError::kNone) return std::strerror(opened.error_number);
  // The size the file had when opened, as a hint; one byte more than the cap is read, so that a
  // file that grows while it is read is still found too large.
  const std::size_t cap = max_bytes + 1;
  std::size_t length = 0;
  text.resize(std::min<std::uint64_t>(cap, opened.status.size + 1));
  while (length < cap) {
    if (length == text.size()) text.resize(std::min(cap, text.size() * 2));
    const long n = read_at(opened.file, text.data() + length, text.size() - length, length);
    if (n < 0) {
      const int error = errno;
      text.clear();
      return std::strerror(error);
    }
    if (n == 0) break;
    length += static_cast<std::size_t>(n);
  }
  if (length > max_bytes) {
    text.clear();
    return "is larger than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB";
  }
  text.resize(length);
  text.shrink_to_fit();
  return {};
}

}  // namespace tse::os
