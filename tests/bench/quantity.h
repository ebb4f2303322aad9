#pragma once

// The quantities on the benchmark tools' command lines: `250M` bytes, `20M` bytes a second,
// `40` events, a seed.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace tse::bench {

/// A finite number >= 0 with an optional K, M or G suffix (powers of 1000, either case);
/// nullopt for anything else.
inline std::optional<double> parse_quantity(std::string_view s) {
  double multiplier = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'K':
      case 'k':
        multiplier = 1e3;
        break;
      case 'M':
      case 'm':
        multiplier = 1e6;
        break;
      case 'G':
      case 'g':
        multiplier = 1e9;
        break;
      default:
        break;
    }
    if (multiplier != 1) s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  const std::string copy(s);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) return std::nullopt;
  return v * multiplier;
}

/// The same as a whole number below 10^15 (exact in a double).
inline std::optional<std::uint64_t> parse_count(std::string_view s) {
  const auto v = parse_quantity(s);
  if (!v || *v >= 1e15 || *v != std::floor(*v)) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

}  // namespace tse::bench
