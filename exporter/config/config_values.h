#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tse {

/// A command line or configuration value that cannot be used; what() is one line that says what
/// to fix. Thrown only at start-up (and, on reload, caught and logged).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The values a count may take: the flag and the configuration file accept the same.
struct CountRange {
  std::size_t min;
  std::size_t max;
};

/// The ranges of the counts in LimitsConfig, shared by the flags, the file and validate().
namespace count_ranges {
inline constexpr CountRange kMetricsMaxTservers{1, 100'000};
inline constexpr CountRange kSourceMaxTservers{1, 100'000};
inline constexpr CountRange kSourceMaxOrigins{1, 1'000'000};
inline constexpr CountRange kUdpReceiveBuffer{4096, std::size_t{1} << 30};
inline constexpr CountRange kMaxStreams{1, 1'000'000};
inline constexpr CountRange kMaxOpenFiles{0, 1'000'000};
inline constexpr CountRange kWebMaxConnections{1, 100'000};
}  // namespace count_ranges

/// Parses a whole number from min to max for `what` (a flag or a key). Throws UsageError.
std::size_t parse_count(const std::string& what, const std::string& text, std::size_t min,
                        std::size_t max);

/// `text` as one printable line for an error message: every control byte (a newline or an
/// escape sequence echoed from a hostile file) written as `\xNN`.
std::string printable_line(std::string_view text);

/// Parses a duration such as `250ms`, `1s`, `2m`, `1h`. Throws UsageError.
std::chrono::milliseconds parse_duration(const std::string& what, const std::string& text);

/// Parses a size in bytes, plain or with KiB or MiB, within kUdpReceiveBuffer. Throws
/// UsageError.
std::size_t parse_bytes(const std::string& what, const std::string& text);

}  // namespace tse
