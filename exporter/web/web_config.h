#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tse {

/// The TLS versions of the web configuration file (`TLS10` .. `TLS13`), as their wire numbers.
enum class TlsVersion : std::uint16_t {
  kTls10 = 0x0301,
  kTls11 = 0x0302,
  kTls12 = 0x0303,
  kTls13 = 0x0304,
};

/// `client_auth_type`, as Go's crypto/tls ClientAuthType.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

/// `tls_server_config` of the exporter-toolkit web configuration file. Paths are already
/// resolved against the file's directory. Certificates and keys are given either as files or
/// inline (PEM text), never both read here: the TLS context reads and checks them.
struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string cert;  // inline PEM
  std::string key;   // inline PEM
  std::string client_ca_file;
  std::string client_ca;  // inline PEM
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  /// The client certificate must carry one of these subject alternative names (DNS, e-mail, IP
  /// or URI), when given: an empty list refuses every client certificate, as exporter-toolkit
  /// does (it checks whenever the key is there).
  std::optional<std::vector<std::string>> client_allowed_sans;
  TlsVersion min_version = TlsVersion::kTls12;
  TlsVersion max_version = TlsVersion::kTls13;
  /// OpenSSL names of the TLS 1.2 (and older) suites, in the file's order; empty: OpenSSL's
  /// default. TLS 1.3 suites are accepted in the file and not configurable (as in Go).
  std::vector<std::string> cipher_suites;
  /// OpenSSL group names (`P-256`, `X25519`...), in preference order; empty: the default.
  std::vector<std::string> curve_preferences;
  bool prefer_server_cipher_suites = true;
  /// `client_auth_type` was given (even as NoClientCert): TLS is on.
  bool client_auth_given = false;
  /// `cipher_suites` named at least one suite (TLS 1.3 ones included).
  bool cipher_suites_given = false;

  /// Whether TLS is on: any of the certificate, key or client settings is set (as
  /// exporter-toolkit's IsEnabled; a file with only `min_version`, say, serves plain HTTP).
  [[nodiscard]] bool enabled() const;
  bool operator==(const TlsServerConfig&) const = default;
};

/// `http_server_config`.
struct HttpServerConfig {
  /// Accepted for compatibility; the server speaks HTTP/1.1 only (ALPN `http/1.1`).
  bool http2 = true;
  /// Extra response headers, only the names exporter-toolkit allows.
  std::map<std::string, std::string> headers;
  bool operator==(const HttpServerConfig&) const = default;
};

/// `rate_limit`: a token bucket over every request; an interval of 0 turns it off.
struct RateLimitConfig {
  std::chrono::nanoseconds interval{0};
  std::int64_t burst = 0;
  bool operator==(const RateLimitConfig&) const = default;
};

/// The web configuration file of `--web.config.file`, in exporter-toolkit's format and meaning
/// (docs/web-configuration.md there): TLS, basic authentication, response headers, a rate
/// limit. Plain data; parsed and checked by parse_web_config(), on any thread.
struct WebSecurityConfig {
  TlsServerConfig tls;
  HttpServerConfig http;
  RateLimitConfig rate_limit;
  /// User name to bcrypt hash (`$2a$`, `$2b$` or `$2y$`); empty: no authentication.
  std::map<std::string, std::string> basic_auth_users;
  bool operator==(const WebSecurityConfig&) const = default;
};

/// A web configuration file that cannot be used. what() is one line, `FILE:LINE:COLUMN: reason`
/// where the reason has a place in the file, else `FILE: reason`.
class WebConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses and checks the text of a web configuration file named `file_name` (used for the
/// error positions and to resolve relative paths against its directory). Strict, as
/// exporter-toolkit's: unknown and duplicate keys, wrong types, unknown names (version, cipher,
/// curve, client auth type, header), a certificate without its key, client CAs without a policy
/// that asks for a client certificate, and passwords that are not bcrypt hashes are errors.
/// Reads no file. Throws WebConfigError.
WebSecurityConfig parse_web_config(std::string_view text, const std::string& file_name);

/// Reads `file_name` and parses it. Throws WebConfigError (also when it cannot be read).
WebSecurityConfig load_web_config(const std::string& file_name);

/// The bcrypt cost of a hash that parse_web_config() accepted (4..31).
int bcrypt_cost(std::string_view hash);

}  // namespace tse
