#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tse::tserver {

/// A fixed-width shape of bytes, such as `dd:dd:dd.ddd` (`d`: an ASCII digit; any other byte:
/// itself), compiled into masks so that a match reads 8 bytes a step instead of one. For the time
/// stamps that start nearly every line of a T-Server log (`HH:MM:SS.mmm`,
/// `YYYY-MM-DDTHH:MM:SS.mmm`), which every record and dump header is checked against. Pure;
/// constexpr-built, so a pattern costs nothing at run time.
template <std::size_t N>
class FixedPattern {
 public:
  static_assert(N >= 1 && N <= 32);
  consteval explicit FixedPattern(const char (&pattern)[N + 1]) {
    for (std::size_t i = 0; i < N; ++i) {
      const std::size_t word = i / 8;
      const unsigned shift = static_cast<unsigned>(8 * (i % 8));
      if (pattern[i] == 'd') {
        digits_[word] |= std::uint64_t{0xff} << shift;
      } else {
        literal_mask_[word] |= std::uint64_t{0xff} << shift;
        literal_[word] |= std::uint64_t{static_cast<unsigned char>(pattern[i])} << shift;
      }
    }
  }

  static constexpr std::size_t size() { return N; }

  /// True when `s` starts with bytes of this shape.
  [[nodiscard]] bool matches(std::string_view s) const {
    if (s.size() < N) return false;
    if constexpr (std::endian::native != std::endian::little) return slow_matches(s);
    constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
    constexpr std::uint64_t kThree = 0x3030303030303030ULL;
    constexpr std::uint64_t kSix = 0x0606060606060606ULL;
    for (std::size_t word = 0; word < kWords; ++word) {
      std::uint64_t w = 0;
      const std::size_t at = word * 8;
      std::memcpy(&w, s.data() + at, N - at >= 8 ? 8 : N - at);
      if ((w & literal_mask_[word]) != literal_[word]) return false;
      // A digit is 0x30..0x39: its high nibble is 3, and adding 6 to it leaves the nibble 3.
      // The other bytes are known literals by now, so the addition carries nothing across.
      const std::uint64_t d = digits_[word];
      if ((w & kHigh & d) != (kThree & d)) return false;
      if (((w + kSix) & kHigh & d) != (kThree & d)) return false;
    }
    return true;
  }

 private:
  static constexpr std::size_t kWords = (N + 7) / 8;

  bool slow_matches(std::string_view s) const {
    for (std::size_t i = 0; i < N; ++i) {
      const std::uint64_t byte = std::uint64_t{static_cast<unsigned char>(s[i])};
      const unsigned shift = static_cast<unsigned>(8 * (i % 8));
      if ((digits_[i / 8] >> shift) & 0xff) {
        if (byte < '0' || byte > '9') return false;
      } else if (((literal_[i / 8] >> shift) & 0xff) != byte) {
        return false;
      }
    }
    return true;
  }

  std::uint64_t digits_[kWords] = {};
  std::uint64_t literal_mask_[kWords] = {};
  std::uint64_t literal_[kWords] = {};
};

template <std::size_t M>
FixedPattern(const char (&)[M]) -> FixedPattern<M - 1>;

/// The time stamps of nearly every log: time only, and ISO 8601 (contract section 2).
inline constexpr FixedPattern kClockPattern("dd:dd:dd.ddd");
inline constexpr FixedPattern kIsoPattern("dddd-dd-ddTdd:dd:dd.ddd");
/// The clock of a dump's `@` header line, to a tenth of a millisecond.
inline constexpr FixedPattern kAtClockPattern("dd:dd:dd.dddd");

}  // namespace tse::tserver
