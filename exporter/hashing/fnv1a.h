#pragma once

#include <cstdint>
#include <string_view>

namespace tse {

/// 64-bit FNV-1a: a fast, stable hash of bytes (file fingerprints, the state file's checksum,
/// request keys). Not for anything an adversary chooses to collide. Pass the previous result
/// as `hash` to hash several pieces as one.
constexpr std::uint64_t kFnv1aOffset = 14695981039346656037ull;

constexpr std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = kFnv1aOffset) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace tse
