#pragma once

#include <string_view>

namespace tse::os {

/// How glob_match() reads a pattern and a path.
struct GlobOptions {
  /// Letters match either case (ASCII only: Windows file names compare so in practice for the
  /// names a log glob meets).
  bool case_insensitive = false;
  /// Both '/' and '\' separate names (Windows); '\' is then no escape character. Without it,
  /// '/' alone separates and '\' makes the next pattern character literal (POSIX).
  bool backslash_is_separator = false;
};

/// Whether `path` matches the shell pattern `pattern` as POSIX fnmatch(FNM_PATHNAME |
/// FNM_PERIOD) decides it, with GNU's reading of the corner cases: `*` (any run), `?` (any
/// one), `[...]` (a set: ranges `a-z`, negation by a leading `!` or `^`, a leading `]` literal;
/// an unterminated `[` is a literal '['). No wildcard matches a separator, and a '.' that
/// begins a name is matched only by a literal '.'. Character classes (`[:alpha:]`), equivalence
/// classes and collating symbols (`[=a=]`, `[.a.]`) are not supported: no log glob uses them.
/// Pure: no file is looked at.
bool glob_match(std::string_view pattern, std::string_view path, GlobOptions options = {});

/// Whether `pattern` holds a wildcard (`*`, `?` or `[`), i.e. whether a path component must be
/// enumerated rather than taken as it is.
bool has_wildcard(std::string_view pattern, GlobOptions options = {});

}  // namespace tse::os
