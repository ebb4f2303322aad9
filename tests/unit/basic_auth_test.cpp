#include "web/basic_auth.h"

#include <gtest/gtest.h>

#include <crypt.h>

#include <map>
#include <memory>
#include <string>

namespace tse {
namespace {

// From exporter-toolkit's web/testdata/web_config_users.good.yml: made by Go's bcrypt, the
// password "dave123" (its TestUsers).
using Users = std::map<std::string, std::string>;

constexpr const char* kDaveHash = "$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq";

std::string hash_of(const std::string& password, unsigned long cost) {
  // The salt's bytes given, as the exporter does: libxcrypt finds none itself on Windows.
  char salt[16];
  for (std::size_t i = 0; i < sizeof salt; ++i) salt[i] = static_cast<char>(i * 37 + cost);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", cost, salt, sizeof salt, setting, sizeof setting), nullptr);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  EXPECT_NE(out, nullptr);
  return out;
}

TEST(BasicAuthorization, ParsesAsGo) {
  // "dave:dave123"
  auto c = parse_basic_authorization("Basic ZGF2ZTpkYXZlMTIz");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "dave");
  EXPECT_EQ(c->password, "dave123");
  c = parse_basic_authorization("bASIC ZGF2ZTpkYXZlMTIz");
  ASSERT_TRUE(c);
  // "a:b:c": the password keeps its colons; ":" alone is an empty user and password.
  c = parse_basic_authorization("Basic YTpiOmM=");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "a");
  EXPECT_EQ(c->password, "b:c");
  c = parse_basic_authorization("Basic Og==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "");
  EXPECT_EQ(c->password, "");
  EXPECT_FALSE(parse_basic_authorization(""));
  EXPECT_FALSE(parse_basic_authorization("Bearer ZGF2ZTpkYXZlMTIz"));
  EXPECT_FALSE(parse_basic_authorization("Basic ZGF2ZQ=="));         // "dave": no colon
  EXPECT_FALSE(parse_basic_authorization("Basic ZGF2ZTpkYXZlMTI"));  // not padded
  EXPECT_FALSE(parse_basic_authorization("Basic ZGF2ZT pkYXZlMTIz"));
  EXPECT_FALSE(parse_basic_authorization("Basic ZGF2=TpkYXZlMTIz"));
}

TEST(BasicAuth, VerifiesGoMadeBcryptHashes) {
  const BasicAuth auth(Users{{"dave", kDaveHash}});
  const BasicCredentials right{"dave", "dave123"};
  const BasicCredentials wrong{"dave", "dave124"};
  const BasicCredentials stranger{"eve", "dave123"};
  EXPECT_FALSE(auth.cached(auth.key(right)));
  EXPECT_TRUE(auth.verify(right, auth.key(right)));
  EXPECT_FALSE(auth.verify(wrong, auth.key(wrong)));
  EXPECT_FALSE(auth.verify(stranger, auth.key(stranger)));
  // Each outcome cached, under a key that is not the password.
  EXPECT_EQ(auth.cached(auth.key(right)), std::optional<bool>(true));
  EXPECT_EQ(auth.cached(auth.key(wrong)), std::optional<bool>(false));
  EXPECT_EQ(auth.cached(auth.key(stranger)), std::optional<bool>(false));
  EXPECT_EQ(auth.cache_size(), 3u);
  // The key depends on every part.
  EXPECT_NE(auth.key(right), auth.key(wrong));
  EXPECT_NE(auth.key(right), auth.key(BasicCredentials{"dave1", "23"}));
}

TEST(BasicAuth, AnotherProcessKeysDifferently) {
  const BasicAuth a(Users{{"dave", kDaveHash}});
  const BasicAuth b(Users{{"dave", kDaveHash}});
  const BasicCredentials right{"dave", "dave123"};
  EXPECT_NE(a.key(right), b.key(right));
}

TEST(BasicAuth, ThePasswordWithANulByteIsRefused) {
  const std::string hash = hash_of("abc", 4);
  const BasicAuth auth(Users{{"u", hash}});
  const BasicCredentials truncated{"u", std::string("abc\0def", 7)};
  EXPECT_FALSE(auth.verify(truncated, auth.key(truncated)));
  const BasicCredentials right{"u", "abc"};
  EXPECT_TRUE(auth.verify(right, auth.key(right)));
}

TEST(BasicAuth, TheCacheIsBoundedAndCountsWhatItDrops) {
  int dropped = 0;
  const BasicAuth auth(Users{{"u", hash_of("secret", 4)}}, [&] { ++dropped; });
  for (int i = 0; i < 150; ++i) {
    const BasicCredentials guess{"u", "guess" + std::to_string(i)};
    EXPECT_FALSE(auth.verify(guess, auth.key(guess)));
    EXPECT_LE(auth.cache_size(), BasicAuth::kCacheSize);
  }
  // 100 fit; then each of the 50 more dropped a tenth of the cache (10) when it was full.
  EXPECT_EQ(static_cast<std::size_t>(dropped) + auth.cache_size(), 150u);
  EXPECT_GE(dropped, 50);
}

// A flood of wrong passwords never pushes a right one out of the cache: the scraper keeps
// its answer without a bcrypt, however many guesses come.
TEST(BasicAuth, WrongPasswordsNeverPushARightOneOutOfTheCache) {
  int dropped = 0;
  const BasicAuth auth(Users{{"u", hash_of("secret", 4)}}, [&] { ++dropped; });
  const BasicCredentials right{"u", "secret"};
  ASSERT_TRUE(auth.verify(right, auth.key(right)));
  for (int i = 0; i < 1000; ++i) {
    const BasicCredentials guess{"u", "guess" + std::to_string(i)};
    EXPECT_FALSE(auth.verify(guess, auth.key(guess)));
  }
  EXPECT_EQ(auth.cached(auth.key(right)), std::optional<bool>(true));
  EXPECT_LE(auth.cache_size(), BasicAuth::kCacheSize);
  EXPECT_EQ(static_cast<std::size_t>(dropped) + auth.cache_size(), 1001u);
}

}  // namespace
}  // namespace tse
