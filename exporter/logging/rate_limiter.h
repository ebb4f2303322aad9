#pragma once

#include <chrono>
#include <cstdint>

namespace tse {

/// Lets one message through per interval and counts the rest, so that a flood of bad input
/// cannot flood the log. Time is passed in; one limiter per call site. Not thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(Clock::duration interval = std::chrono::seconds(10)) : interval_(interval) {}

  /// True when a message may be logged now; then suppressed() tells how many were held back.
  bool allow(Clock::time_point now) {
    if (armed_ && now - last_ < interval_) {
      ++pending_;
      return false;
    }
    armed_ = true;
    last_ = now;
    suppressed_ = pending_;
    pending_ = 0;
    return true;
  }
  bool allow() { return allow(Clock::now()); }

  /// Messages held back between the previous allowed one and the last allowed one.
  [[nodiscard]] std::uint64_t suppressed() const { return suppressed_; }

 private:
  Clock::duration interval_;
  Clock::time_point last_{};
  bool armed_ = false;
  std::uint64_t pending_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace tse
