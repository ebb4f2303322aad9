#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tse {

/// A user name and password from an `Authorization: Basic` header.
struct BasicCredentials {
  std::string user;
  std::string password;
};

/// Parses an `Authorization` header value as Go's Request.BasicAuth does: `Basic ` (any case),
/// then standard base64 of `user:password`. nullopt when it is not that. Pure.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view value);

/// The basic_auth_users of the web configuration: checks a user's password against its bcrypt
/// hash with libxcrypt, with a cache of the outcomes as exporter-toolkit's.
///
/// The cache is keyed by an HMAC-SHA256, under a key drawn at start, of the user, the hash and
/// the password, so no password is kept in clear; it holds at most kCacheSize outcomes, and past
/// that drops a tenth of them at random (each told to `on_dropped`, for a self-metric). An
/// unknown user costs a bcrypt as dear as the dearest configured one, so that timing does not
/// tell which users exist; the final comparison is constant-time (CRYPTO_memcmp).
///
/// Thread-safe: cached() and remember() on any thread; verify() is slow (a bcrypt: 70 ms at
/// cost 10, seconds at 18) and belongs on a worker thread, never on the HTTP thread.
class BasicAuth {
 public:
  static constexpr std::size_t kCacheSize = 100;
  using Key = std::array<unsigned char, 32>;

  BasicAuth(std::map<std::string, std::string> users, std::function<void()> on_dropped = nullptr);

  /// The cache key of these credentials.
  [[nodiscard]] Key key(const BasicCredentials& credentials) const;
  /// The cached outcome for `key`, if any.
  [[nodiscard]] std::optional<bool> cached(const Key& key) const;
  /// Checks the password with bcrypt (slow) and caches the outcome.
  bool verify(const BasicCredentials& credentials, const Key& key) const;

  [[nodiscard]] std::size_t users() const { return users_.size(); }
  [[nodiscard]] std::size_t cache_size() const;

 private:
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  void remember(const Key& key, bool allowed) const;

  std::map<std::string, std::string> users_;
  std::string dummy_setting_;  // a bcrypt salt at the highest configured cost
  std::array<unsigned char, 32> hmac_key_{};
  std::function<void()> on_dropped_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<Key, bool, KeyHash> cache_;
};

}  // namespace tse
