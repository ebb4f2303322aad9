#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "source/file_tailer.h"

namespace tse {

/// One counter's value in the state file.
struct SavedCounter {
  std::string family;  // see ErrorMetrics::Value
  std::string tserver;
  std::string request;
  std::string error_code;  // "57", "unknown", "other"
  std::uint64_t value = 0;
  bool operator==(const SavedCounter&) const = default;
};

/// What the exporter keeps across restarts: the EventError counters and, consistent with them,
/// where every stream resumes.
struct SavedState {
  std::vector<SavedCounter> counters;
  std::vector<StreamPosition> positions;
  bool operator==(const SavedState&) const = default;
};

/// The state file's text form: a version line, one line per counter and per position (fields
/// separated by TABs, with TAB, LF and backslash escaped), and a last line with a checksum of
/// everything before it, so that a truncated, corrupt or foreign file is recognised. Pure.
std::string serialize_state(const SavedState& state);

/// Parses serialize_state()'s output; on failure returns nullopt and says why in `error`.
std::optional<SavedState> parse_state(std::string_view text, std::string& error);

}  // namespace tse
