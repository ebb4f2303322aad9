#include "os/small_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "os/file_system.h"

namespace tse::os {

std::string read_small_file(const std::string& path, std::string& text, std::size_t max_bytes) {
  text.clear();
  OpenResult opened = open_regular(path);
  if (opened.error == FileError::kNotRegular) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec)
               ? "is a directory"
               : "is not a regular file (a FIFO, a device or a socket)";
  }
  if (opened.error != FileError::kNone) return std::strerror(opened.error_number);
  // One byte more than the cap: a file that grows while it is read is still found too large.
  text.resize(max_bytes + 1);
  std::size_t length = 0;
  while (length < text.size()) {
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
