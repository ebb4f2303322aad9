#include "web/basic_auth.h"

#include <crypt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "web/web_config.h"

namespace tse {
namespace {

bool is_base64(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view value) {
  constexpr std::string_view kPrefix = "Basic ";
  if (value.size() < kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return std::nullopt;
    }
  }
  const std::string_view encoded = value.substr(kPrefix.size());
  // Standard base64 with its padding, as Go's base64.StdEncoding: nothing else.
  if (encoded.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < encoded.size() && encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  if (!std::all_of(encoded.begin(), encoded.end() - static_cast<std::ptrdiff_t>(padding),
                   is_base64)) {
    return std::nullopt;
  }
  std::vector<unsigned char> decoded(encoded.size() / 4 * 3 + 1);
  const int length =
      EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(encoded.data()),
                      static_cast<int>(encoded.size()));
  if (length < 0) return std::nullopt;
  const std::string text(reinterpret_cast<const char*>(decoded.data()),
                         static_cast<std::size_t>(length) - padding);
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{text.substr(0, colon), text.substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users, std::function<void()> on_dropped)
    : users_(std::move(users)), on_dropped_(std::move(on_dropped)) {
  if (RAND_bytes(hmac_key_.data(), static_cast<int>(hmac_key_.size())) != 1) {
    throw std::runtime_error("basic_auth_users: no random bytes for the credential cache's key");
  }
  int cost = 10;  // exporter-toolkit's dummy hash's, when no user is configured
  if (!users_.empty()) {
    cost = 4;
    for (const auto& [user, hash] : users_) cost = std::max(cost, bcrypt_cost(hash));
  }
  // The salt's random bytes from OpenSSL: libxcrypt's own source of them (getrandom,
  // /dev/urandom) does not exist in a Windows build.
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    throw std::runtime_error("basic_auth_users: no random bytes for a bcrypt salt");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<char*>(salt),
                       sizeof salt, setting, sizeof setting) == nullptr) {
    throw std::runtime_error("basic_auth_users: libxcrypt cannot make a bcrypt salt");
  }
  dummy_setting_ = setting;
}

BasicAuth::Key BasicAuth::key(const BasicCredentials& credentials) const {
  const auto found = users_.find(credentials.user);
  const std::string& hash = found == users_.end() ? dummy_setting_ : found->second;
  // Lengths first, so that no two different triples make the same message.
  std::string message;
  for (const std::string* part : {&credentials.user, &hash}) {
    message += std::to_string(part->size()) + ":" + *part;
  }
  message += credentials.password;
  Key out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length);
  OPENSSL_cleanse(message.data(), message.size());
  return out;
}

std::size_t BasicAuth::KeyHash::operator()(const Key& key) const {
  std::size_t h = 0;
  std::memcpy(&h, key.data(), sizeof h);  // already an HMAC: any bytes are well mixed
  return h;
}

std::optional<bool> BasicAuth::cached(const Key& key) const {
  const std::lock_guard lock(mutex_);
  const auto found = cache_.find(key);
  if (found == cache_.end()) return std::nullopt;
  return found->second;
}

std::size_t BasicAuth::cache_size() const {
  const std::lock_guard lock(mutex_);
  return cache_.size();
}

bool BasicAuth::verify(const BasicCredentials& credentials, const Key& key) const {
  const auto found = users_.find(credentials.user);
  const bool known = found != users_.end();
  const std::string& hash = known ? found->second : dummy_setting_;
  auto data = std::make_unique<crypt_data>();  // about 32 kB: not on the stack
  const char* out = crypt_rn(credentials.password.c_str(), hash.c_str(), data.get(),
                             static_cast<int>(sizeof(crypt_data)));
  bool allowed = false;
  if (known && out != nullptr && std::strlen(out) == hash.size()) {
    allowed = CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  }
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  // A password with a NUL byte cannot be given to crypt: never accepted.
  if (credentials.password.find('\0') != std::string::npos) allowed = false;
  remember(key, allowed);
  return allowed;
}

void BasicAuth::remember(const Key& key, bool allowed) const {
  std::size_t dropped = 0;
  {
    const std::lock_guard lock(mutex_);
    if (cache_.size() >= kCacheSize && cache_.find(key) == cache_.end()) {
      // As exporter-toolkit: drop a tenth at random, so that this is rare. But refused
      // credentials go first: a flood of wrong passwords would otherwise push the scraper's
      // entry out, and its next scrape would wait behind the flood's bcrypts.
      std::vector<decltype(cache_)::iterator> victims;
      for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (!it->second) victims.push_back(it);
      }
      if (victims.empty()) {
        for (auto it = cache_.begin(); it != cache_.end(); ++it) victims.push_back(it);
      }
      thread_local std::minstd_rand random{std::random_device{}()};
      std::shuffle(victims.begin(), victims.end(), random);
      const std::size_t to_drop =
          std::min(victims.size(), std::max<std::size_t>(1, cache_.size() / 10));
      for (; dropped < to_drop; ++dropped) cache_.erase(victims[dropped]);
    }
    cache_[key] = allowed;
  }
  if (on_dropped_) {
    for (std::size_t i = 0; i < dropped; ++i) on_dropped_();
  }
}

}  // namespace tse
