#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Syslog as log shippers send T-Server lines: one message per log line (contract section 5).
// Pure, allocation-free parsing; views point into the caller's bytes.
namespace tse {

struct SyslogMessage {
  std::string_view hostname;  // "-" and empty mean none
  std::string_view app_name;
  std::string_view message;   // the T-Server log line, leading white space kept
};

/// Parses an RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`) or RFC 3164
/// (`<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`) message; nullopt when it is neither. A trailing LF
/// (and the CR before it) is not part of the message.
std::optional<SyslogMessage> parse_syslog(std::string_view frame);

/// Splits a TCP byte stream into syslog frames (RFC 6587): octet counting (`LEN SP MSG`) when
/// the stream's first byte is a digit, else one frame per LF. Frames over the size limit are
/// skipped and counted. Pure and incremental; not thread-safe: one per connection.
class SyslogFramer {
 public:
  explicit SyslogFramer(std::size_t max_frame = 64 * 1024) : max_(max_frame) {}

  /// Calls on_frame(std::string_view) per complete frame. Returns false on a framing error the
  /// stream cannot recover from (a bad octet count): the caller closes the connection.
  template <class OnFrame>
  bool feed(std::string_view bytes, OnFrame&& on_frame);

  [[nodiscard]] std::uint64_t oversize() const { return oversize_; }

 private:
  enum class Mode { kUnknown, kOctetCounting, kLines };
  Mode mode_ = Mode::kUnknown;
  std::size_t max_;
  std::string buffer_;
  std::size_t skip_ = 0;     // bytes of an oversize counted frame still to drop
  bool dropping_ = false;    // inside an oversize LF frame
  std::uint64_t oversize_ = 0;
};

template <class OnFrame>
bool SyslogFramer::feed(std::string_view bytes, OnFrame&& on_frame) {
  while (!bytes.empty()) {
    if (mode_ == Mode::kUnknown) {
      mode_ = bytes.front() >= '1' && bytes.front() <= '9' ? Mode::kOctetCounting : Mode::kLines;
    }
    if (skip_ > 0) {
      const std::size_t n = std::min(skip_, bytes.size());
      skip_ -= n;
      bytes.remove_prefix(n);
      continue;
    }
    if (mode_ == Mode::kLines) {
      const std::size_t nl = bytes.find('\n');
      const std::string_view part = bytes.substr(0, nl);
      if (!dropping_) {
        if (buffer_.size() + part.size() > max_) {
          ++oversize_;
          buffer_.clear();
          dropping_ = true;
        } else {
          buffer_.append(part);
        }
      }
      if (nl == std::string_view::npos) return true;
      if (!dropping_) on_frame(std::string_view(buffer_));
      buffer_.clear();
      dropping_ = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    // Octet counting: digits, a space, then that many bytes.
    buffer_.append(bytes);
    bytes = {};
    std::string_view pending(buffer_);
    std::size_t consumed = 0;
    while (true) {
      const std::size_t space = pending.find(' ');
      if (space == std::string_view::npos) {
        if (pending.size() > 10) return false;  // no length field in sight
        break;
      }
      std::size_t length = 0;
      if (space == 0 || space > 10) return false;
      for (char c : pending.substr(0, space)) {
        if (c < '0' || c > '9') return false;
        length = length * 10 + static_cast<std::size_t>(c - '0');
      }
      if (length > max_) {
        ++oversize_;
        const std::size_t available = pending.size() - space - 1;
        if (available >= length) {
          consumed += space + 1 + length;
          pending.remove_prefix(space + 1 + length);
          continue;
        }
        skip_ = length - available;
        consumed = buffer_.size();
        break;
      }
      if (pending.size() - space - 1 < length) break;  // wait for the rest
      on_frame(pending.substr(space + 1, length));
      consumed += space + 1 + length;
      pending.remove_prefix(space + 1 + length);
    }
    buffer_.erase(0, consumed);
  }
  return true;
}

}  // namespace tse
