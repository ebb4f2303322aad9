#include "logging/log_formatter.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "logging/utc_time.h"

namespace tse {
namespace {

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// `2026-12-02T03:55:00.123Z`: UTC, milliseconds, as Prometheus writes `ts`.
void append_time(spdlog::memory_buf_t& dest, spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  append(dest, utc_date_time(std::chrono::system_clock::time_point(
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(seconds))));
  const auto ms = static_cast<int>(millis.count());
  const std::array<char, 6> tail{'.',
                                 static_cast<char>('0' + ms / 100),
                                 static_cast<char>('0' + ms / 10 % 10),
                                 static_cast<char>('0' + ms % 10),
                                 'Z',
                                 '\0'};
  append(dest, std::string_view(tail.data(), 5));
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:  // err, critical
      return "error";
  }
}

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is not one
// (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
std::size_t utf8_length(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// The escapes of a quoted value, the same in logfmt (as go-logfmt writes them) and JSON.
void append_quoted(spdlog::memory_buf_t& dest, std::string_view value) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  dest.push_back('"');
  for (std::size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(value.substr(i));
      if (n == 0) {
        append(dest, "\\ufffd");
        ++i;
      } else {
        append(dest, value.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        append(dest, "\\\"");
        break;
      case '\\':
        append(dest, "\\\\");
        break;
      case '\n':
        append(dest, "\\n");
        break;
      case '\r':
        append(dest, "\\r");
        break;
      case '\t':
        append(dest, "\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          const std::array<char, 6> escape{'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          append(dest, std::string_view(escape.data(), escape.size()));
        } else {
          dest.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  dest.push_back('"');
}

// logfmt leaves a value bare when it reads back the same: not empty, no space, `=`, `"`,
// control character or invalid UTF-8.
bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (std::size_t i = 0; i < value.size();) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(value.substr(i));
      if (n == 0) return true;
      i += n;
      continue;
    }
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7F) return true;
    ++i;
  }
  return false;
}

}  // namespace

void LogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  if (format_ == Format::kJson) {
    append(dest, "{\"ts\":\"");
    append_time(dest, msg.time);
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":");
    append_quoted(dest, text);
    append(dest, "}\n");
    return;
  }
  append(dest, "ts=");
  append_time(dest, msg.time);
  append(dest, " level=");
  append(dest, level_name(msg.level));
  append(dest, " msg=");
  if (needs_quotes(text)) {
    append_quoted(dest, text);
  } else {
    append(dest, text);
  }
  dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> LogFormatter::clone() const {
  return std::make_unique<LogFormatter>(format_);
}

}  // namespace tse
