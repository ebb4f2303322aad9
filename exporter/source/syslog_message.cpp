#include "source/syslog_message.h"

namespace tse {
namespace {

// The next space-separated field; `rest` starts after the space.
std::string_view field(std::string_view s, std::string_view& rest) {
  const std::size_t space = s.find(' ');
  rest = space == std::string_view::npos ? std::string_view() : s.substr(space + 1);
  return s.substr(0, space);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<SyslogMessage> parse_syslog(std::string_view frame) {
  if (frame.ends_with('\n')) frame.remove_suffix(1);
  if (frame.ends_with('\r')) frame.remove_suffix(1);
  if (frame.size() < 3 || frame.front() != '<') return std::nullopt;
  const std::size_t close = frame.find('>');
  if (close == std::string_view::npos || close < 2 || close > 4) return std::nullopt;
  for (std::size_t i = 1; i < close; ++i)
    if (!is_digit(frame[i])) return std::nullopt;
  std::string_view rest = frame.substr(close + 1);
  SyslogMessage out;
  if (rest.starts_with("1 ")) {  // RFC 5424
    rest.remove_prefix(2);
    field(rest, rest);  // TIMESTAMP
    out.hostname = field(rest, rest);
    out.app_name = field(rest, rest);
    field(rest, rest);  // PROCID
    field(rest, rest);  // MSGID
    if (rest.starts_with('-')) {
      rest.remove_prefix(1);
    } else {
      while (rest.starts_with('[')) {  // SD-ELEMENTs; `]` may be escaped inside values
        std::size_t i = 1;
        bool quoted = false;
        for (; i < rest.size(); ++i) {
          if (rest[i] == '\\') {
            ++i;
          } else if (rest[i] == '"') {
            quoted = !quoted;
          } else if (rest[i] == ']' && !quoted) {
            break;
          }
        }
        if (i >= rest.size()) return std::nullopt;
        rest.remove_prefix(i + 1);
      }
    }
    if (rest.starts_with(' ')) rest.remove_prefix(1);
    if (rest.starts_with("\xEF\xBB\xBF")) rest.remove_prefix(3);  // BOM
    out.message = rest;
    return out;
  }
  // RFC 3164: "Mmm dd hh:mm:ss " then HOST, then TAG up to ':' (or '[').
  if (rest.size() < 16 || rest[3] != ' ' || rest[6] != ' ' || rest[9] != ':' ||
      rest[15] != ' ') {
    return std::nullopt;
  }
  rest.remove_prefix(16);
  const std::size_t colon = rest.find(": ");
  const std::string_view head = rest.substr(0, colon);
  const std::size_t space = head.find(' ');
  std::string_view tag = head;
  if (space != std::string_view::npos) {
    out.hostname = head.substr(0, space);
    tag = head.substr(space + 1);
  }
  out.app_name = tag.substr(0, tag.find('['));
  out.message = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 2);
  return out;
}

}  // namespace tse
