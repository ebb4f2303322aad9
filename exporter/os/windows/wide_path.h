#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "os/path.h"  // is_separator

namespace tse::os {

// Paths are UTF-8 in std::string everywhere in the exporter; the Windows API takes UTF-16.
// These conversions are the only place the two meet (os/windows/ alone includes this header).

/// UTF-8 to UTF-16. A byte sequence that is not UTF-8 becomes U+FFFD: such a name cannot be a
/// Windows file name, so it is simply not found.
std::wstring to_wide(std::string_view utf8);

/// UTF-16 (a name the system gave) to UTF-8. An unpaired surrogate becomes U+FFFD.
std::string to_utf8(std::wstring_view wide);

/// `path` as the W file functions take it: as written while it is short; beyond MAX_PATH made
/// absolute (GetFullPathNameW, which also turns '/' into '\') and prefixed with `\\?\`, or
/// `\\?\UNC\` for `\\server\share\...`, which lifts the length limit. A path already in the
/// `\\?\` or `\\.\` form is left as it is.
std::wstring to_native_path(std::string_view utf8);

/// The length of the root of a path, the part that is never created nor enumerated: `C:\`
/// (or `C:` alone, drive-relative), `\\server\share\` (so also `\\?\C:\` and `\\.\PIPE\`), a
/// leading `\` (the root of the current drive), or 0 for a relative path. Both '/' and '\'
/// separate.
std::size_t root_length(std::string_view path);

}  // namespace tse::os
