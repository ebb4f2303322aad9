#include "config/config_values.h"

#include <cstdint>
#include <string_view>
#include <utility>

namespace tse {

std::size_t parse_count(const std::string& what, const std::string& text, std::size_t min,
                        std::size_t max) {
  std::size_t used = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text.front() < '0' || text.front() > '9' || n < min ||
      n > max) {
    throw UsageError(what + " takes a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + " (got \"" + text + "\")");
  }
  return static_cast<std::size_t>(n);
}

std::chrono::milliseconds parse_duration(const std::string& what, const std::string& text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && number < 1'000'000'000) {
    number = number * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  }
  const std::string_view unit = std::string_view(text).substr(i);
  const auto n = static_cast<std::int64_t>(number);
  if (i > 0) {
    if (unit == "ms") return std::chrono::milliseconds(n);
    if (unit == "s") return std::chrono::seconds(n);
    if (unit == "m") return std::chrono::minutes(n);
    if (unit == "h") return std::chrono::hours(n);
  }
  throw UsageError(what + " takes a duration such as 250ms, 5s or 1m (got \"" + text + "\")");
}

std::size_t parse_bytes(const std::string& what, const std::string& text) {
  constexpr CountRange range = count_ranges::kUdpReceiveBuffer;
  std::size_t scale = 1;
  std::string digits = text;
  for (const auto& [suffix, factor] : {std::pair{"KiB", 1u << 10}, std::pair{"MiB", 1u << 20}}) {
    if (digits.ends_with(suffix)) {
      digits.resize(digits.size() - 3);
      scale = factor;
    }
  }
  std::size_t n = 0;
  try {
    n = parse_count("", digits, 1, range.max / scale);
  } catch (const UsageError&) {
    n = 0;
  }
  if (n * scale < range.min) {
    throw UsageError(what + " takes a size from " + std::to_string(range.min) + " to " +
                     std::to_string(range.max) + " bytes, or with KiB or MiB (got \"" + text +
                     "\")");
  }
  return n * scale;
}

std::string printable_line(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tse
