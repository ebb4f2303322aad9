#include "tserver/log_line.h"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "hashing/fnv1a.h"
#include "tserver/fixed_pattern.h"

namespace tse::tserver {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_space(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view skip_spaces(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

std::string_view trim(std::string_view s) {
  s = skip_spaces(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The first space or TAB of s, else s.size(). The tokens of a record line are 5 to 30 bytes
// long, and every record is cut into them, so it reads 8 bytes a step: in each, a byte that XORs
// to zero with ' ' or '\t' is found with the usual carry trick, whose lowest hit is exact.
std::size_t find_space(std::string_view s) {
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      const std::uint64_t spaces = word ^ (kOnes * ' ');
      const std::uint64_t tabs = word ^ (kOnes * '\t');
      const std::uint64_t hits = (((spaces - kOnes) & ~spaces) | ((tabs - kOnes) & ~tabs)) & kHigh;
      if (hits != 0) return i + static_cast<std::size_t>(std::countr_zero(hits)) / 8;
    }
  }
  while (i < s.size() && !is_space(s[i])) ++i;
  return i;
}

// Splits off the next space-separated token; `rest` starts at the separator.
std::string_view next_token(std::string_view s, std::string_view& rest) {
  s = skip_spaces(s);
  const std::size_t i = find_space(s);
  rest = s.substr(i);
  return s.substr(0, i);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// `H:MM:SS`, `HH:MM:SS` with an optional `.fraction` (any number of digits).
bool is_clock(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&](std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (i < s.size() && n < max && is_digit(s[i])) ++i, ++n;
    return n >= min;
  };
  if (!digits(1, 2) || i >= s.size() || s[i++] != ':') return false;
  if (!digits(2, 2) || i >= s.size() || s[i++] != ':') return false;
  if (!digits(2, 2)) return false;
  if (i == s.size()) return true;
  const char separator = s[i++];
  if (separator != '.' && separator != ',') return false;
  return digits(1, 9) && i == s.size();
}

// A date in any locale order: digits with `-`, `/` or `.` separators (two of them).
bool is_date(std::string_view s) {
  int seps = 0;
  int run = 0;
  for (char c : s) {
    if (is_digit(c)) {
      if (++run > 4) return false;
    } else if (c == '-' || c == '/' || c == '.') {
      if (run == 0) return false;
      run = 0;
      ++seps;
    } else {
      return false;
    }
  }
  return seps == 2 && run > 0;
}

// Consumes the time stamp at the start of a record line; returns false if there is none.
bool skip_time_stamp(std::string_view line, std::string_view& rest) {
  // The two stamps of nearly every log, at fixed positions; the general reading below accepts
  // them too, with the same rest.
  for (const std::size_t n : {kIsoPattern.size(), kClockPattern.size()}) {
    if (line.size() > n && is_space(line[n]) &&
        (n == kIsoPattern.size() ? kIsoPattern.matches(line) : kClockPattern.matches(line))) {
      rest = line.substr(n);
      return true;
    }
  }
  std::string_view tok = next_token(line, rest);
  if (is_clock(tok)) return true;  // time only (default time_format)
  const std::size_t t = tok.find('T');
  if (t != std::string_view::npos) {  // ISO 8601: YYYY-MM-DDTHH:MM:SS.mmm
    return is_date(tok.substr(0, t)) && is_clock(tok.substr(t + 1));
  }
  if (!is_date(tok)) return false;  // locale date, then the clock as the next token
  std::string_view after;
  if (!is_clock(next_token(rest, after))) return false;
  rest = after;
  std::string_view after_ampm;
  const std::string_view ampm = next_token(rest, after_ampm);
  if (ampm == "AM" || ampm == "PM") rest = after_ampm;
  return true;
}

std::optional<std::uint32_t> five_digit_id(std::string_view s) {
  if (s.size() != 5 || !all_digits(s)) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  return v;
}

}  // namespace

std::optional<StandardRecord> parse_standard_record(std::string_view line) {
  if (line.empty() || !is_digit(line.front())) return std::nullopt;
  std::string_view rest;
  if (!skip_time_stamp(line, rest)) return std::nullopt;
  std::string_view after_level;
  if (next_token(rest, after_level).empty()) return std::nullopt;  // level word, any spelling
  // Short format: the 5-digit id right after the level. (A full-format host cannot be all
  // digits: Windows computer names never are.)
  std::string_view after_id;
  if (const auto id = five_digit_id(next_token(after_level, after_id))) {
    return StandardRecord{*id, skip_spaces(after_id)};
  }
  // Full format: host, application, then GCTI-<nn>-<id>.
  std::string_view scan = after_level;
  for (int i = 0; i < 3; ++i) {
    std::string_view after;
    const std::string_view tok = next_token(scan, after);
    if (tok.empty()) break;
    if (tok.starts_with("GCTI-")) {
      const auto id = five_digit_id(tok.substr(tok.rfind('-') + 1));
      if (!id) return std::nullopt;
      return StandardRecord{*id, skip_spaces(after)};
    }
    scan = after;
  }
  return std::nullopt;
}

std::string_view first_word(std::string_view text) {
  std::string_view rest;
  return next_token(text, rest);
}

bool is_event_error_sent(std::string_view text) {
  std::string_view rest;
  if (next_token(text, rest) != "EventError") return false;
  std::string_view after;
  return next_token(rest, after) == "sent";
}

namespace {

// `724`: the client number; nullopt unless 1 to 19 digits.
std::optional<std::uint64_t> client_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 19 || !all_digits(digits)) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

std::uint64_t application_hash(std::string_view name) {
  if (name.empty()) return 0;
  const std::uint64_t h = fnv1a(name);
  return h == 0 ? 1 : h;  // 0 means "not printed"
}

}  // namespace

ClientId record_client_id(std::string_view text) {
  // On every 04541 and EventError 04542 record: plain loops over the few bytes after `[`
  // (find_first_of and find_last_of search their set once per byte).
  const std::size_t open = text.find('[');
  if (open == std::string_view::npos) return {};
  std::size_t i = open + 1;
  std::size_t digits = 0;
  std::uint64_t number = 0;
  while (i < text.size() && is_digit(text[i]) && digits < 20) {
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || digits > 19 || i >= text.size() || text[i] != ']') return {};
  ClientId id{number, 0, true};
  // `(<client-id> <application> <ip:port>)`: the application is what stands between the first
  // and the last word (a configured name may hold spaces).
  ++i;
  while (i < text.size() && is_space(text[i])) ++i;
  if (i >= text.size() || text[i] != '(') return id;
  std::size_t end = text.size();
  while (end > i && text[end - 1] != ')') --end;
  if (end <= i + 1) return id;
  std::size_t first = i + 1;  // the inside, trimmed
  std::size_t last = end - 1;
  while (first < last && is_space(text[first])) ++first;
  while (last > first && is_space(text[last - 1])) --last;
  std::size_t first_end = first;
  while (first_end < last && !is_space(text[first_end])) ++first_end;
  std::size_t last_start = last;
  while (last_start > first_end && !is_space(text[last_start - 1])) --last_start;
  if (first_end >= last_start) return id;  // fewer than three words
  id.application = application_hash(trim(text.substr(first_end, last_start - first_end)));
  return id;
}

std::optional<InteractionMessage> parse_interaction(std::string_view text, bool sent) {
  constexpr std::string_view kPrefix = "Interaction message \"";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  const std::size_t quote = text.find('"');
  if (quote == std::string_view::npos || quote == 0) return std::nullopt;
  InteractionMessage message;
  message.name = text.substr(0, quote);
  std::string_view rest = skip_spaces(text.substr(quote + 1));
  const std::string_view direction = sent ? "sent to" : "received from";
  if (!rest.starts_with(direction)) return std::nullopt;
  rest = skip_spaces(rest.substr(direction.size()));
  std::string_view after;
  const auto number = client_number(next_token(rest, after));
  if (!number) return message;  // the event or request without a client
  message.client = ClientId{*number, 0, true};
  after = skip_spaces(after);
  if (after.starts_with("(\"")) {
    const std::size_t end = after.find("\")", 2);
    if (end != std::string_view::npos) {
      message.client.application = application_hash(after.substr(2, end - 2));
    }
  }
  return message;
}

OtherLineKind classify_other_line(std::string_view line) {
  if (line.empty()) return OtherLineKind::kUnknown;
  // A SIP Server stack line starts with its own clock: `13:54:59.856: text` or
  // `17:16:49.569 SIPCONN(1003): text` (a T-Server record would have parsed before this).
  if (is_digit(line.front())) {
    std::string_view rest;
    std::string_view clock = next_token(line, rest);
    if (clock.ends_with(':')) clock.remove_suffix(1);
    if (!is_clock(clock)) return OtherLineKind::kUnknown;
    rest = skip_spaces(rest);
    if (rest.size() >= 2 && rest[0] == '$' &&
        (rest[1] == '+' || rest[1] == '-' || rest[1] == '*')) {
      return OtherLineKind::kTrigger;
    }
    return OtherLineKind::kSipStack;
  }
  if (line.size() >= 2 && line[0] == '$' && (line[1] == '+' || line[1] == '-' || line[1] == '*')) {
    return OtherLineKind::kTrigger;
  }
  // A raw SIP message: `SIP/2.0 200 OK`, `INVITE sip:1003@host SIP/2.0`, header fields
  // (`Call-ID: ...`), SDP body lines (`v=0`, `a=rtpmap:0 pcmu/8000`).
  if (line.starts_with("SIP/2.0 ")) return OtherLineKind::kSipMessage;
  if (line.size() >= 2 && line[0] >= 'a' && line[0] <= 'z' && line[1] == '=') {
    return OtherLineKind::kSipMessage;
  }
  std::size_t i = 0;
  bool upper = true;
  auto token_char = [](char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '!' || c == '%' || c == '*' ||
           c == '_' || c == '+' || c == '`' || c == '\'' || c == '~';
  };
  while (i < line.size() && token_char(line[i])) {
    if (!(line[i] >= 'A' && line[i] <= 'Z')) upper = false;
    ++i;
  }
  if (i == 0) return OtherLineKind::kUnknown;
  std::size_t j = i;
  while (j < line.size() && is_space(line[j])) ++j;
  if (j < line.size() && line[j] == ':') return OtherLineKind::kSipMessage;  // a header field
  if (upper && i < line.size() && line[i] == ' ' && trim(line).ends_with(" SIP/2.0")) {
    return OtherLineKind::kSipMessage;  // a request line
  }
  return OtherLineKind::kUnknown;
}

AtLine parse_at_line(std::string_view line) {
  if (line.size() < 2 || line.front() != '@' || !is_digit(line[1])) return {};
  std::string_view rest;
  // `@HH:MM:SS.ffff`, the dump header's usual clock, at fixed positions (else the general reading).
  const std::string_view clock = line.substr(1);
  if (clock.size() > kAtClockPattern.size() && is_space(clock[kAtClockPattern.size()]) &&
      kAtClockPattern.matches(clock)) {
    rest = clock.substr(kAtClockPattern.size());
  } else if (!is_clock(next_token(clock, rest))) {
    return {};
  }
  std::string_view after_tag;
  if (next_token(rest, after_tag) == "[BSYNC]") return {AtLineKind::kBackupCopy, {}};
  const std::string_view body = trim(rest);
  const std::size_t space = body.find_last_of(" \t");
  if (space == std::string_view::npos) return {};
  const std::string_view name = body.substr(space + 1);
  std::string_view head = body.substr(0, space);
  while (!head.empty() && is_space(head.back())) head.remove_suffix(1);
  if (!head.ends_with(": message") || name.empty()) return {};
  return {AtLineKind::kMessage, name};
}

std::string_view parse_column0_message(std::string_view line) {
  if (!line.starts_with("message") || line.size() < 9 || !is_space(line[7])) return {};
  const std::string_view name = trim(line.substr(8));
  for (char c : name)
    if (is_space(c)) return {};
  return name;
}

std::uint32_t indent_columns(std::string_view line) {
  std::uint32_t col = 0;
  for (char c : line) {
    if (c == ' ') {
      ++col;
    } else if (c == '\t') {
      col = (col / 8 + 1) * 8;
    } else {
      break;
    }
  }
  return col;
}

std::optional<AttributeLine> parse_attribute_line(std::string_view line) {
  const std::string_view body = skip_spaces(line);
  constexpr std::string_view kPrefix = "Attribute";
  if (!body.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest;
  const std::string_view word = next_token(body, rest);
  if (word.size() <= kPrefix.size() || !is_alpha(word[kPrefix.size()])) return std::nullopt;
  return AttributeLine{indent_columns(line), word.substr(kPrefix.size()), trim(rest)};
}

std::optional<std::int64_t> parse_decimal(std::string_view value) {
  if (value.size() >= 2 && value.front() == '\'') {
    const std::size_t close = value.find('\'', 1);
    if (close == std::string_view::npos) return std::nullopt;
    value = value.substr(1, close - 1);
  } else {
    std::string_view rest;
    value = next_token(value, rest);
  }
  bool negative = false;
  if (!value.empty() && (value.front() == '-' || value.front() == '+')) {
    negative = value.front() == '-';
    value.remove_prefix(1);
  }
  if (!all_digits(value)) return std::nullopt;
  std::uint64_t v = 0;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  for (char c : value) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  const auto signed_v = static_cast<std::int64_t>(v);
  return negative ? -signed_v : signed_v;
}

std::optional<std::uint64_t> parse_hex(std::string_view value) {
  std::string_view rest;
  value = next_token(value, rest);
  if (value.starts_with("0x") || value.starts_with("0X")) value.remove_prefix(2);
  if (value.empty() || value.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : value) {
    std::uint64_t d = 0;
    if (is_digit(c)) {
      d = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<std::uint64_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<std::uint64_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = (v << 4) | d;
  }
  return v;
}

std::optional<HeaderLine> parse_header_line(std::string_view line) {
  // Keys seen in the field are words, spaces and parentheses: "Start time (UTC):".
  if (line.empty() || !is_alpha(line.front())) return std::nullopt;
  constexpr std::size_t kMaxKey = 64;
  for (std::size_t i = 0; i < line.size() && i < kMaxKey; ++i) {
    const char c = line[i];
    if (c == ':') return HeaderLine{line.substr(0, i), trim(line.substr(i + 1))};
    if (!(is_alpha(c) || is_digit(c) || c == ' ' || c == '(' || c == ')' || c == '_' || c == '-')) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace tse::tserver
