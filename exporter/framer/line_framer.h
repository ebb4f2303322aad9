#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tse {

/// Splits a byte stream into lines, whatever the chunking of the reads.
///
/// A line ends at LF; every CR just before the LF is dropped, so LF, CRLF and CR CR LF all frame
/// alike. Bytes are never interpreted as text. An unterminated tail is kept (never emitted, never
/// dropped) until the rest of its line arrives or the owner calls finish() at the true end of
/// input. A line longer than max_line_bytes is skipped whole and counted.
///
/// Shared by every source (files, pipes, sockets). Pure: no I/O, no clock. Not thread-safe: one
/// framer per stream, called from one thread.
class LineFramer {
 public:
  explicit LineFramer(std::size_t max_line_bytes = kDefaultMaxLineBytes) : max_(max_line_bytes) {}

  static constexpr std::size_t kDefaultMaxLineBytes = 1024 * 1024;

  /// Feeds bytes; calls on_line(std::string_view) for each complete line, in order. The view is
  /// valid only during the call.
  template <class OnLine>
  void feed(std::string_view bytes, OnLine&& on_line) {
    const char* p = bytes.data();
    const char* const end = p + bytes.size();
    if (p == end) return;
    const std::uint64_t base = position_;
    position_ += bytes.size();
    const auto end_of = [&](const char* nl) {
      return base + static_cast<std::uint64_t>(nl - bytes.data()) + 1;
    };
    if (discarding_ || !carry_.empty()) {
      const char* nl = find_newline(p, end);
      if (nl == nullptr) {
        keep_tail(p, end);
        return;
      }
      advance_line(end_of(nl));
      if (discarding_) {
        discarding_ = false;
      } else if (carry_.size() + static_cast<std::size_t>(nl - p) > max_) {
        ++lines_too_long_;
        carry_.clear();
      } else {
        carry_.append(p, nl);
        ++lines_;
        on_line(strip_cr(carry_.data(), carry_.size()));
        carry_.clear();
      }
      p = nl + 1;
    }
    while (p < end) {
      const char* nl = find_newline(p, end);
      if (nl == nullptr) break;
      advance_line(end_of(nl));
      const auto len = static_cast<std::size_t>(nl - p);
      if (len > max_) {
        ++lines_too_long_;
      } else {
        ++lines_;
        on_line(strip_cr(p, len));
      }
      p = nl + 1;
    }
    if (p < end) keep_tail(p, end);
  }

  /// End of input: the unterminated tail, if any, is emitted as a last line.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    advance_line(position_);
    if (!carry_.empty()) {
      ++lines_;
      on_line(strip_cr(carry_.data(), carry_.size()));
      carry_.clear();
    }
    discarding_ = false;
  }

  /// Takes the unterminated tail out of the framer (to join it to a later segment's first line).
  std::string take_partial() {
    std::string out;
    out.swap(carry_);
    discarding_ = false;
    return out;
  }

  /// Drops the bytes up to and including the next LF: for a stream joined in the middle of a line.
  void skip_to_next_line() {
    carry_.clear();
    discarding_ = true;
  }

  /// True when the last byte fed ended a line (or nothing is pending).
  [[nodiscard]] bool at_line_boundary() const { return carry_.empty() && !discarding_; }
  [[nodiscard]] std::size_t partial_bytes() const { return carry_.size(); }
  /// Bytes fed so far.
  [[nodiscard]] std::uint64_t position() const { return position_; }
  /// Stream position just past the LF of the last line emitted or skipped: where the next line
  /// starts. Inside an on_line call, the end of that line.
  [[nodiscard]] std::uint64_t line_end() const { return line_end_; }
  /// Inside an on_line call, the stream position of that line's first byte.
  [[nodiscard]] std::uint64_t line_start() const { return line_start_; }
  /// Forgets any unterminated tail: the next byte fed starts a line.
  void restart_line() {
    carry_.clear();
    discarding_ = false;
    line_start_ = line_end_ = position_;
  }
  [[nodiscard]] std::uint64_t lines() const { return lines_; }
  [[nodiscard]] std::uint64_t lines_too_long() const { return lines_too_long_; }
  [[nodiscard]] std::size_t max_line_bytes() const { return max_; }

 private:
  static const char* find_newline(const char* p, const char* end) {
    return static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
  }
  static std::string_view strip_cr(const char* p, std::size_t len) {
    while (len > 0 && p[len - 1] == '\r') --len;
    return {p, len};
  }
  void advance_line(std::uint64_t end) {
    line_start_ = line_end_;
    line_end_ = end;
  }
  void keep_tail(const char* p, const char* end) {
    if (discarding_) return;
    const auto len = static_cast<std::size_t>(end - p);
    if (carry_.size() + len > max_) {
      ++lines_too_long_;
      carry_.clear();
      discarding_ = true;
      return;
    }
    carry_.append(p, len);
  }

  std::size_t max_;
  std::uint64_t position_ = 0;
  std::uint64_t line_start_ = 0;
  std::uint64_t line_end_ = 0;
  std::string carry_;
  bool discarding_ = false;
  std::uint64_t lines_ = 0;
  std::uint64_t lines_too_long_ = 0;
};

}  // namespace tse
