#include "source/binary_content.h"

#include <array>

namespace tse {
namespace {

// Magic numbers of files that are never text logs, at offset 0.
constexpr std::array<std::string_view, 12> kMagic{{
    std::string_view("\x1f\x8b", 2),  // gzip
    std::string_view("\xfd"
                     "7zXZ\x00",
                     6),                        // xz
    std::string_view("\x28\xb5\x2f\xfd", 4),    // zstd
    std::string_view("\x04\x22\x4d\x18", 4),    // lz4 frame
    std::string_view("PK\x03\x04", 4),          // zip (and docx, jar, ...)
    std::string_view("PK\x05\x06", 4),          // empty zip
    std::string_view("7z\xbc\xaf\x27\x1c", 6),  // 7z
    std::string_view("Rar!\x1a\x07", 6),        // rar
    std::string_view("\x7f"
                     "ELF",
                     4),              // ELF
    std::string_view("\x1f\x9d", 2),  // compress (.Z)
    std::string_view("\x89PNG", 4),   // PNG
    std::string_view("%PDF", 4),      // PDF
}};

constexpr double kMaxControlShare = 0.30;

bool is_control(unsigned char c) {
  if (c >= 0x20) return false;
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x1b:
      return false;
    default:
      return true;  // NUL and the other C0 controls
  }
}

}  // namespace

bool looks_binary(std::string_view head) {
  if (head.size() > kBinaryProbeBytes) head = head.substr(0, kBinaryProbeBytes);
  for (const std::string_view magic : kMagic) {
    if (head.starts_with(magic)) return true;
  }
  // Two-letter magics a text could start with: bzip2 ("BZh" and a block size digit) and the
  // DOS header of a PE executable ("MZ", then NULs within its 64 bytes).
  if (head.size() >= 4 && head.starts_with("BZh") && head[3] >= '1' && head[3] <= '9') return true;
  if (head.starts_with("MZ") && head.substr(0, 64).find('\0') != std::string_view::npos) {
    return true;
  }
  if (head.empty()) return false;
  std::size_t controls = 0;
  for (const char c : head) controls += is_control(static_cast<unsigned char>(c)) ? 1 : 0;
  return static_cast<double>(controls) > kMaxControlShare * static_cast<double>(head.size());
}

}  // namespace tse
