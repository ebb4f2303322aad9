#include "os/glob_pattern.h"

#include <cstddef>

namespace tse::os {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view path, GlobOptions options)
      : pattern_(pattern), path_(path), options_(options) {}

  // The classic one-star backtracking: on a mismatch only the last `*` is given one more
  // character. That is complete here because no `*` may cross a separator: once a separator
  // is matched past a `*`, growing that `*` can never help, so it is forgotten.
  bool run() {
    std::size_t p = 0, s = 0;
    std::size_t star_p = kNone, star_s = 0;
    while (true) {
      if (p < pattern_.size()) {
        if (pattern_[p] == '*') {
          if (s < path_.size() && leading_period(s)) return false;
          while (p < pattern_.size() && pattern_[p] == '*') ++p;
          star_p = p;
          star_s = s;
          continue;
        }
        if (const std::size_t next = match_one(p, s); next != kNone) {
          if (separator(path_[s])) star_p = kNone;
          p = next;
          ++s;
          continue;
        }
      } else if (s == path_.size()) {
        return true;
      }
      if (star_p == kNone || star_s == path_.size() || separator(path_[star_s])) return false;
      s = ++star_s;
      p = star_p;
    }
  }

 private:
  [[nodiscard]] bool escapes() const { return !options_.backslash_is_separator; }

  [[nodiscard]] bool separator(char c) const {
    return c == '/' || (options_.backslash_is_separator && c == '\\');
  }

  // A '.' that begins the path or a name in it: only a literal '.' matches it (FNM_PERIOD).
  [[nodiscard]] bool leading_period(std::size_t s) const {
    return path_[s] == '.' && (s == 0 || separator(path_[s - 1]));
  }

  [[nodiscard]] bool same(char a, char b) const {
    if (separator(a) && separator(b)) return true;  // '/' and '\' alike where both separate
    return options_.case_insensitive ? lower(a) == lower(b) : a == b;
  }

  [[nodiscard]] bool in_range(char c, char low, char high) const {
    const auto within = [&](char x) {
      const auto u = static_cast<unsigned char>(x);
      return static_cast<unsigned char>(low) <= u && u <= static_cast<unsigned char>(high);
    };
    if (within(c)) return true;
    return options_.case_insensitive && (within(lower(c)) || within(upper(c)));
  }

  // Matches the pattern element at `p` (anything but `*`) against the path character at `s`:
  // the position after the element, or kNone.
  [[nodiscard]] std::size_t match_one(std::size_t p, std::size_t s) const {
    if (s == path_.size()) return kNone;
    const char c = path_[s];
    switch (pattern_[p]) {
      case '?':
        return separator(c) || leading_period(s) ? kNone : p + 1;
      case '[':
        if (const std::size_t end = bracket(p, c); end != kUnterminated) {
          return end == kNone || separator(c) || leading_period(s) ? kNone : end;
        }
        return c == '[' ? p + 1 : kNone;  // no closing ']': a literal '['
      case '\\':
        if (escapes()) {
          // A trailing backslash escapes nothing and matches nothing (as glibc).
          if (p + 1 == pattern_.size()) return kNone;
          return same(pattern_[p + 1], c) ? p + 2 : kNone;
        }
        break;
      default:
        break;
    }
    return same(pattern_[p], c) ? p + 1 : kNone;
  }

  static constexpr std::size_t kUnterminated = kNone - 1;

  // The bracket expression at `p` against `c`: the position after its ']' when `c` is in the
  // set, kNone when it is not, kUnterminated when the expression has no closing ']' (then the
  // '[' is a literal). glibc's order is kept for the malformed corners: the set is read until
  // `c` is found in it, and a pattern that ends in a range (`[a-`) or an escape (`[a\`) read
  // so far matches nothing at all; once `c` is found the rest is only skipped to its ']'.
  [[nodiscard]] std::size_t bracket(std::size_t p, char c) const {
    const std::size_t end = pattern_.size();
    std::size_t i = p + 1;
    bool negated = false;
    if (i < end && (pattern_[i] == '!' || pattern_[i] == '^')) {
      negated = true;
      ++i;
    }
    bool found = false;
    for (bool first = true;; first = false) {
      if (i >= end) return kUnterminated;
      if (pattern_[i] == ']' && !first) break;  // a ']' right after '[' or '[!' is a member
      const bool escaped = pattern_[i] == '\\' && escapes();
      if (escaped && ++i >= end) return kNone;
      const char low = pattern_[i++];
      if (found) continue;
      if (i < end && pattern_[i] == '-' && (i + 1 == end || pattern_[i + 1] != ']')) {
        if (i + 1 == end && in_range(c, low, low)) {
          found = true;  // glibc takes `low` as found before it looks for the range's end
          continue;
        }
        ++i;
        if (i < end && pattern_[i] == '\\' && escapes()) ++i;
        if (i >= end) return kNone;
        found = in_range(c, low, pattern_[i++]);
      } else {
        found = in_range(c, low, low);
      }
    }
    return found != negated ? i + 1 : kNone;
  }

  std::string_view pattern_;
  std::string_view path_;
  GlobOptions options_;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path, GlobOptions options) {
  return Matcher(pattern, path, options).run();
}

bool has_wildcard(std::string_view pattern, GlobOptions options) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') return true;
    if (c == '\\' && !options.backslash_is_separator) ++i;  // an escaped character is literal
  }
  return false;
}

}  // namespace tse::os
