#include "web/web_config.h"
#include "temp_dir.h"

#include <filesystem>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <string>

namespace tse {
namespace {

constexpr const char* kFile = "/etc/tse/web.yml";

struct BadCase {
  const char* name;
  const char* text;
  const char* error;
};

// Modelled on exporter-toolkit's web/testdata/*.bad.yml (and what its TestYAMLFiles expects of
// them), each with the exact one-line error.
const BadCase kBadCases[] = {
    {"junk (web_config_junk.yml)", "hWkNKCp3fvIx3jKnsaBI\nTuEjdwNS8A2vYdFbiKqr\n",
     "/etc/tse/web.yml:1:1: the web configuration must be a mapping of tls_server_config, "
     "http_server_config, basic_auth_users and rate_limit"},
    {"junk key (web_config_junk_key.yml)", "tls_server_config:\n  cert_filse: \"server.crt\"\n",
     "/etc/tse/web.yml:2:3: unknown key \"cert_filse\" in tls_server_config (expected one of: "
     "cert, key, client_ca, cert_file, key_file, client_auth_type, client_ca_file, "
     "cipher_suites, curve_preferences, min_version, max_version, prefer_server_cipher_suites, "
     "client_allowed_sans)"},
    {"unknown top-level key", "tls_config:\n  cert_file: a\n",
     "/etc/tse/web.yml:1:1: unknown key \"tls_config\" in the web configuration (expected one of: "
     "tls_server_config, http_server_config, basic_auth_users, rate_limit)"},
    {"duplicate key", "tls_server_config:\n  cert_file: a\n  key_file: b\n  cert_file: c\n",
     "/etc/tse/web.yml:4:3: key \"cert_file\" is given twice in tls_server_config"},
    {"not YAML", "tls_server_config: [a\n",
     "/etc/tse/web.yml:2:1: not YAML: end of sequence flow not found"},
    {"cert path empty (web_config_noAuth_certPath_empty.bad.yml)",
     "tls_server_config:\n  cert_file: \"\"\n  key_file: \"server.key\"\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of cert or cert_file"},
    {"cert empty (web_config_noAuth_cert_empty.bad.yml)",
     "tls_server_config:\n  cert: \"\"\n  key_file: \"server.key\"\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of cert or cert_file"},
    {"key path empty (web_config_noAuth_keyPath_empty.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"\"\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of key or key_file"},
    {"key empty (web_config_noAuth_key_empty.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key: \"\"\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of key or key_file"},
    {"both empty, bad client auth (web_config_noAuth_certPath_keyPath_empty.bad.yml)",
     "tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n  client_auth_type: \"x\"\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of cert or cert_file"},
    {"client auth without cert", "tls_server_config:\n  client_auth_type: NoClientCert\n",
     "/etc/tse/web.yml:2:3: tls_server_config: missing one of cert or cert_file"},
    {"invalid client auth type",
     "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n",
     "/etc/tse/web.yml:4:21: invalid ClientAuth: Sometimes (expected NoClientCert, "
     "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or "
     "RequireAndVerifyClientCert)"},
    {"client CA without policy (web_config_noAuth.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "  client_ca_file: \"/dev/null\"\n",
     "/etc/tse/web.yml:2:3: client CA's have been configured without a Client Auth Policy"},
    {"client CA with NoClientCert",
     "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: NoClientCert\n"
     "  client_ca: \"x\"\n",
     "/etc/tse/web.yml:2:3: client CA's have been configured without a Client Auth Policy"},
    {"user list invalid (web_config_auth_user_list_invalid.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "basic_auth_users:\n  john: doe\n",
     "/etc/tse/web.yml:5:9: the password of user \"john\" is not a bcrypt hash: hashedSecret too "
     "short to be a bcrypted password"},
    {"bcrypt cost out of range",
     "basic_auth_users:\n  a: $2y$03$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby\n",
     "/etc/tse/web.yml:2:6: the password of user \"a\" is not a bcrypt hash: cost 3 is outside "
     "4..31"},
    {"not a bcrypt variant",
     "basic_auth_users:\n  a: $5$rounds=5000$abcdefghijklmnop$abcdefghijklmnopqrstuvwxyzABCDEFGH\n",
     "/etc/tse/web.yml:2:6: the password of user \"a\" is not a bcrypt hash: expected the prefix "
     "$2a$, $2b$ or $2y$"},
    {"invented cipher (web_config_noAuth_inventedCiphers.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n"
     "  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048\n",
     "/etc/tse/web.yml:6:5: unknown cipher: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"},
    {"insecure cipher Go does not accept",
     "tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
     "/etc/tse/web.yml:2:19: unknown cipher: TLS_RSA_WITH_RC4_128_SHA"},
    {"invented curve (web_config_noAuth_inventedCurves.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "  curve_preferences:\n    - CurveP257\n",
     "/etc/tse/web.yml:5:7: unknown curve: CurveP257 (expected CurveP256, CurveP384, CurveP521 "
     "or X25519)"},
    {"wrong TLS version (web_config_noAuth_wrongTLSVersion.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "  min_version: TLS111\n",
     "/etc/tse/web.yml:4:16: unknown TLS version: TLS111 (expected TLS10, TLS11, TLS12 or "
     "TLS13)"},
    {"no HTTP/2 cipher (web_config_noAuth_noHTTP2Cipher.bad.yml)",
     "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
     "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n"
     "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n  max_version: TLS12\n",
     "/etc/tse/web.yml:6:5: http2: TLSConfig.CipherSuites is missing an HTTP/2-required "
     "AES_128_GCM_SHA256 cipher (need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); add one or set http_server_config.http2: false"},
    {"header value (web_config_headers_content_type_options.bad.yml)",
     "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
     "/etc/tse/web.yml:3:29: invalid value for X-Content-Type-Options. Expected one of: "
     "[\"nosniff\"], but got: \"sniff\""},
    {"header value (web_config_headers_frame_options.bad.yml)",
     "http_server_config:\n  headers:\n    X-Frame-Options: foo\n",
     "/etc/tse/web.yml:3:22: invalid value for X-Frame-Options. Expected one of: [\"deny\" "
     "\"sameorigin\"], but got: \"foo\""},
    {"header name (web_config_headers_extra_header.bad.yml)",
     "http_server_config:\n  headers:\n    Content-Type: foo\n",
     "/etc/tse/web.yml:3:19: HTTP header \"Content-Type\" can not be configured"},
    {"header with a line break",
     "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
     "/etc/tse/web.yml:3:30: invalid value for Content-Security-Policy: control characters are "
     "not allowed"},
    {"http2 not a boolean", "http_server_config:\n  http2: maybe\n",
     "/etc/tse/web.yml:2:10: http2 must be true or false"},
    {"cipher_suites not a list", "tls_server_config:\n  cipher_suites: TLS_AES_128_GCM_SHA256\n",
     "/etc/tse/web.yml:2:18: cipher_suites must be a list"},
    {"cert_file a list", "tls_server_config:\n  cert_file: [a, b]\n",
     "/etc/tse/web.yml:2:14: cert_file must be a string"},
    {"rate limit interval", "rate_limit:\n  interval: soon\n",
     "/etc/tse/web.yml:2:13: interval must be a duration such as 1s, not \"soon\""},
    {"rate limit burst", "rate_limit:\n  burst: many\n",
     "/etc/tse/web.yml:2:10: burst must be a whole number"},
};

class WebConfigBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(WebConfigBad, FailsWithItsExactError) {
  const BadCase& c = GetParam();
  try {
    parse_web_config(c.text, kFile);
    FAIL() << "accepted: " << c.name;
  } catch (const WebConfigError& e) {
    EXPECT_EQ(std::string(e.what()), c.error) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(ExporterToolkitCases, WebConfigBad, ::testing::ValuesIn(kBadCases));

TEST(WebConfig, EmptyFileIsPlainHttp) {
  const auto config = parse_web_config("", kFile);
  EXPECT_FALSE(config.tls.enabled());
  EXPECT_TRUE(config.basic_auth_users.empty());
  EXPECT_TRUE(config.http.http2);
  EXPECT_EQ(parse_web_config("# only a comment\n", kFile), config);
}

TEST(WebConfig, TlsOptionsAloneDoNotTurnTlsOn) {
  // As exporter-toolkit's IsEnabled: a version alone is no TLS configuration.
  EXPECT_FALSE(parse_web_config("tls_server_config:\n  min_version: TLS13\n", kFile).tls.enabled());
}

TEST(WebConfig, RelativePathsResolveAgainstTheFilesDirectory) {
  const auto config = parse_web_config(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: /abs/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca/clients.pem\n",
      kFile);
  using tse::testing::native_separators;
  EXPECT_EQ(config.tls.cert_file, native_separators("/etc/tse/server.crt"));
  EXPECT_EQ(config.tls.key_file, native_separators("/abs/server.key"));  // no drive: relative
  EXPECT_EQ(config.tls.client_ca_file, native_separators("/etc/tse/ca/clients.pem"));
  EXPECT_EQ(config.tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(
      parse_web_config("tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n", "web.yml")
          .tls.cert_file,
      "s.crt");
}

TEST(WebConfig, AllFiveClientAuthTypes) {
  const std::pair<const char*, ClientAuth> cases[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, expected] : cases) {
    const auto config = parse_web_config(std::string("tls_server_config:\n  cert_file: a\n"
                                                     "  key_file: b\n  client_auth_type: ") +
                                             name + "\n",
                                         kFile);
    EXPECT_EQ(config.tls.client_auth, expected) << name;
  }
}

TEST(WebConfig, AllCiphersMapToOpenSslAndTls13OnesAreNotConfigurable) {
  // web_config_noAuth_allCiphers.good.yml
  const auto config = parse_web_config(
      "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
      "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n"
      "  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n  - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n"
      "  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
      "  - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n"
      "  - TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\n  - TLS_AES_128_GCM_SHA256\n"
      "  - TLS_AES_256_GCM_SHA384\n  - TLS_CHACHA20_POLY1305_SHA256\n"
      "  - TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA\n  - TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA\n"
      "  - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n  - TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA\n",
      kFile);
  const std::vector<std::string> expected{
      "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
      "ECDHE-RSA-AES128-GCM-SHA256",   "ECDHE-RSA-AES256-GCM-SHA384",
      "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
      "ECDHE-ECDSA-AES128-SHA",        "ECDHE-ECDSA-AES256-SHA",
      "ECDHE-RSA-AES128-SHA",          "ECDHE-RSA-AES256-SHA"};
  EXPECT_EQ(config.tls.cipher_suites, expected);
}

TEST(WebConfig, GoodFilesOfExporterToolkit) {
  // web_config_noAuth_someCiphers_noOrder.good.yml
  auto config = parse_web_config(
      "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
      "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n"
      "  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
      "  prefer_server_cipher_suites: false\n  min_version: TLS12\n  max_version: TLS12\n",
      kFile);
  EXPECT_FALSE(config.tls.prefer_server_cipher_suites);
  EXPECT_EQ(config.tls.min_version, TlsVersion::kTls12);
  EXPECT_EQ(config.tls.max_version, TlsVersion::kTls12);
  // web_config_noAuth_noHTTP2.good.yml: the same list as the bad one, with http2 off.
  config = parse_web_config(
      "tls_server_config:\n  cert_file: \"server.crt\"\n  key_file: \"server.key\"\n"
      "  client_auth_type: \"VerifyClientCertIfGiven\"\n  cipher_suites:\n"
      "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n  max_version: TLS12\n"
      "http_server_config:\n  http2: false\n",
      kFile);
  EXPECT_FALSE(config.http.http2);
  // web_config_noAuth_allCurves.good.yml, web_config_noAuth_someCurves.good.yml
  config = parse_web_config(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
      "  curve_preferences:\n    - CurveP256\n    - CurveP384\n    - CurveP521\n    - X25519\n",
      kFile);
  EXPECT_EQ(config.tls.curve_preferences,
            (std::vector<std::string>{"P-256", "P-384", "P-521", "X25519"}));
  EXPECT_EQ(config.tls.min_version, TlsVersion::kTls13);
  // web_config_headers.good.yml (X-XSS-Protection: 1 is a number in YAML)
  config = parse_web_config(
      "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
      "    X-Content-Type-Options: nosniff\n    X-XSS-Protection: 1\n"
      "    Content-Security-Policy: \"default-src 'self' *.test.example.net\"\n",
      kFile);
  EXPECT_EQ(config.http.headers.size(), 5u);
  EXPECT_EQ(config.http.headers.at("X-XSS-Protection"), "1");
  // web_config_users_noTLS.good.yml
  config = parse_web_config(
      "basic_auth_users:\n"
      "  alice: $2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby\n"
      "  bob: $2y$18$4VeFDzXIoPHKnKTU3O3GH.N.vZu06CVqczYZ8WvfzrddFU6tGqjR.\n",
      kFile);
  EXPECT_FALSE(config.tls.enabled());
  EXPECT_EQ(config.basic_auth_users.size(), 2u);
  EXPECT_EQ(bcrypt_cost(config.basic_auth_users.at("bob")), 18);
  // web_config_auth_client_san.good.yaml; web_config_auth_clientCAs_missing.bad.yml is
  // accepted by exporter-toolkit too (Go verifies against the system roots): so are we.
  config = parse_web_config(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n"
      "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: c.pem\n"
      "  client_allowed_sans:\n    - \"one\"\n    - \"test3\"\n",
      kFile);
  EXPECT_EQ(config.tls.client_allowed_sans, (std::vector<std::string>{"one", "test3"}));
  // An empty list is a list: Go installs its SAN check whenever the key is there, and then
  // refuses every client certificate. Without the key, no check.
  config = parse_web_config(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n"
      "  client_auth_type: \"RequireAndVerifyClientCert\"\n  client_ca_file: c.pem\n"
      "  client_allowed_sans: []\n",
      kFile);
  ASSERT_TRUE(config.tls.client_allowed_sans.has_value());
  EXPECT_TRUE(config.tls.client_allowed_sans->empty());
  config = parse_web_config("tls_server_config:\n  cert_file: a\n  key_file: b\n", kFile);
  EXPECT_FALSE(config.tls.client_allowed_sans.has_value());
  // web_config_rate_limiter_one_second.yaml, web_config_rate_limiter_nonblocking.yaml
  config = parse_web_config("rate_limit:\n  interval: \"1s\"\n  burst: 0\n", kFile);
  EXPECT_EQ(config.rate_limit.interval, std::chrono::seconds(1));
  config = parse_web_config("rate_limit:\n  interval: 0\n  burst: 0\n", kFile);
  EXPECT_EQ(config.rate_limit.interval.count(), 0);
  config = parse_web_config("rate_limit:\n  interval: 1m30.5s\n  burst: 3\n", kFile);
  EXPECT_EQ(config.rate_limit.interval, std::chrono::milliseconds(90500));
  EXPECT_EQ(config.rate_limit.burst, 3);
}

// A directory read as an empty file would be a web configuration without TLS or
// authentication: it is an error, as are a FIFO and a device.
TEST(WebConfig, ADirectoryOrADeviceIsNoWebConfiguration) {
  const std::string dir = ::testing::TempDir() + "web_config_dir";
  std::filesystem::create_directories(dir);
  for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
           {dir, "is a directory"},
#ifdef _WIN32
           {"NUL", "is not a regular file (a FIFO, a device or a socket)"}}) {
#else
           {"/dev/null", "is not a regular file (a FIFO, a device or a socket)"}}) {
#endif
    try {
      load_web_config(path);
      ADD_FAILURE() << path << " was read as a web configuration";
    } catch (const WebConfigError& e) {
      EXPECT_EQ(std::string(e.what()), path + ": cannot read the web configuration file: " + why);
    }
  }
}

TEST(WebConfig, LoadNamesAFileThatCannotBeRead) {
  try {
    load_web_config("/nonexistent/web.yml");
    FAIL();
  } catch (const WebConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/web.yml: cannot read the web configuration file: No such file or "
              "directory");
  }
}

}  // namespace
}  // namespace tse
