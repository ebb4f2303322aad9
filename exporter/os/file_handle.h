#pragma once

#include <compare>
#include <cstdint>

namespace tse::os {

/// Which file a name or descriptor leads to: the same identity is the same file, whatever its
/// name now (POSIX: device and inode; Windows: the volume serial number and the file index).
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  auto operator<=>(const FileIdentity&) const = default;
};

/// What the tailer needs to know about a file without reading it.
struct FileStatus {
  FileIdentity id;
  std::uint64_t size = 0;
  std::int64_t change_ns = 0;  // last change of the file or its metadata (POSIX ctime)
  bool regular = false;
};

/// An open, read-only file, closed when the handle goes. Move-only; one thread at a time.
class FileHandle {
 public:
#ifdef _WIN32
  // A HANDLE, spelt void* so that <windows.h> stays out of every includer. The Windows
  // open_regular never keeps INVALID_HANDLE_VALUE: a failed open leaves no handle at all.
  using Native = void*;
#else
  using Native = int;
#endif
  FileHandle() = default;
  explicit FileHandle(Native native) : native_(native) {}
  ~FileHandle() { reset(); }
  FileHandle(FileHandle&& other) noexcept : native_(other.native_) { other.native_ = kNone; }
  FileHandle& operator=(FileHandle&& other) noexcept {
    if (this != &other) {
      reset();
      native_ = other.native_;
      other.native_ = kNone;
    }
    return *this;
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  [[nodiscard]] bool valid() const { return native_ != kNone; }
  [[nodiscard]] Native native() const { return native_; }
  void reset();

 private:
#ifdef _WIN32
  static constexpr Native kNone = nullptr;
#else
  static constexpr Native kNone = -1;
#endif
  Native native_ = kNone;
};

}  // namespace tse::os
