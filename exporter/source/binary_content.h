#pragma once

#include <cstddef>
#include <string_view>

namespace tse {

/// How many first bytes of a file looks_binary() wants to see.
constexpr std::size_t kBinaryProbeBytes = 4096;

/// True when a file's first bytes (up to kBinaryProbeBytes) say it is not a text log: they
/// start with the magic number of a compressed file, an archive or an executable (gzip, bzip2,
/// xz, zstd, lz4, zip, 7z, rar, ELF, PE/MZ, ...), or over 30 % of them are NUL or C0 controls
/// other than TAB, LF, VT, FF, CR and ESC. One stray NUL (a masked value, a damaged sector) does
/// not make a log binary. Pure; any thread.
bool looks_binary(std::string_view head);

}  // namespace tse
