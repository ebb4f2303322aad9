#pragma once

#include <string>
#include <string_view>

namespace tse::os {

/// Creates `directory` and its missing parents, each new one with mode 0700 (readable by the
/// exporter's user alone); an existing directory is left as it is. False with a reason in `error`.
bool make_private_directory(const std::string& directory, std::string& error);

/// Replaces the file `name` in `directory` by `bytes`, atomically and durably, so that a crash
/// at any moment leaves the old or the new file whole:
///
/// - the temporary file `name.tmp` is created exclusively, relative to a descriptor of the
///   directory, never through a symbolic link (a stale one, or a planted link, is removed
///   first), with mode 0600; written and synced;
/// - with a non-empty `previous`, the current `name` is kept as `previous`: hard-linked under
///   `previous.tmp`, renamed over `previous` (a rename replaces whatever `previous` was, a link
///   included, and never writes through it), so that `name` exists at every moment;
/// - the temporary file is renamed to `name`, and the directory synced.
///
/// On failure (a full disk, an unwritable directory) the temporary file is removed and `name`
/// is left as it was. False with a reason in `error`.
///
/// The POSIX implementation is posix/atomic_file.cpp. Not thread-safe for one `name`.
bool replace_file(const std::string& directory, std::string_view name, std::string_view previous,
                  std::string_view bytes, std::string& error);

}  // namespace tse::os
