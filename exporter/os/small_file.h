#pragma once

#include <cstddef>
#include <string>

namespace tse::os {

/// The largest configuration file (main, web, catalog table, certificate, key, client CAs)
/// read_small_file() takes: far above any real one, far below what a mistaken path (a log, a
/// disk image) would cost in memory.
inline constexpr std::size_t kMaxConfigFileBytes = 4 * 1024 * 1024;

/// Reads the whole of a small regular file (a configuration file) into `text`. Returns "" on
/// success, else why not in a few words ("is a directory", "is not a regular file (a FIFO, a
/// device...)", "is larger than 4 MiB", the system's reason). Never blocks on a FIFO, never
/// reads /dev/zero forever. With `missing`, tells whether the file is absent (not an error to
/// callers that treat "none yet" apart). Any thread.
std::string read_small_file(const std::string& path, std::string& text,
                            std::size_t max_bytes = kMaxConfigFileBytes, bool* missing = nullptr);

}  // namespace tse::os
