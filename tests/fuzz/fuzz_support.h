// Shared by the libFuzzer targets: how a target states an invariant, and how it draws choices
// from the input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tse::fuzz {

/// An invariant of the code under test: when it does not hold, abort, so that libFuzzer keeps
/// the input as a crash artifact (assert() would vanish from a Release build).
#define TSE_FUZZ_CHECK(condition)                                                              \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "invariant failed at %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

/// Choices (chunk sizes, cuts, operations) drawn from the input's first bytes, so that the
/// fuzzer mutates how the bytes are delivered as well as the bytes themselves. xorshift32.
class Choices {
 public:
  /// Takes up to four bytes off the front of `data` as the seed.
  explicit Choices(std::string_view& data) {
    for (int i = 0; i < 4 && !data.empty(); ++i) {
      state_ = state_ * 131 + static_cast<unsigned char>(data.front());
      data.remove_prefix(1);
    }
    if (state_ == 0) state_ = 0x9e3779b9u;
  }
  std::uint32_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  /// A number in [0, n).
  std::uint32_t below(std::uint32_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint32_t state_ = 0;
};

}  // namespace tse::fuzz
