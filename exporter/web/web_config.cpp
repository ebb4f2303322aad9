#include "web/web_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/config_values.h"
#include "os/fs_path.h"
#include "os/small_file.h"

namespace tse {
namespace {

// Go's crypto/tls names (tls.CipherSuites(), the ones exporter-toolkit accepts) and OpenSSL's
// for the same suite. The TLS 1.3 ones have no OpenSSL name here: Go does not let them be
// chosen, and neither do we.
struct CipherName {
  std::string_view go;
  std::string_view openssl;  // empty: TLS 1.3, not configurable
};
constexpr std::array<CipherName, 13> kCiphers{{
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kCurves{{
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
    {"X25519", "X25519"},
}};

constexpr std::array<std::pair<std::string_view, TlsVersion>, 4> kVersions{{
    {"TLS10", TlsVersion::kTls10},
    {"TLS11", TlsVersion::kTls11},
    {"TLS12", TlsVersion::kTls12},
    {"TLS13", TlsVersion::kTls13},
}};

// The headers exporter-toolkit lets a file set, with the values allowed (none listed: any).
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;
};
const std::array<AllowedHeader, 5>& allowed_headers() {
  static const std::array<AllowedHeader, 5> headers{{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  }};
  return headers;
}

std::string quoted_list(const std::vector<std::string_view>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i ? " \"" : "\"") + std::string(values[i]) + "\"";
  }
  return out + "]";
}

// Reads one file's YAML into the typed config, throwing at the first problem with its place.
class Reader {
 public:
  explicit Reader(std::string file_name) : file_(std::move(file_name)) {}

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& reason) const {
    if (mark.is_null()) throw WebConfigError(printable_line(file_ + ": " + reason));
    throw WebConfigError(printable_line(file_ + ":" + std::to_string(mark.line + 1) + ":" +
                                        std::to_string(mark.column + 1) + ": " + reason));
  }

  // Calls `on_key(key, value)` for each key of a mapping (null: none), after refusing keys
  // that are not `allowed` (when given) and keys given twice.
  void each_key(const YAML::Node& map, const std::string& where,
                const std::vector<std::string_view>& allowed,
                const std::function<void(const std::string&, const YAML::Node&)>& on_key) const {
    if (map.IsNull()) return;
    if (!map.IsMap()) fail(map.Mark(), where + " must be a mapping");
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) fail(key.Mark(), "a key of " + where + " must be a string");
      const std::string name = key.Scalar();
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        std::string expected;
        for (const auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
        fail(key.Mark(),
             "unknown key \"" + name + "\" in " + where + " (expected one of: " + expected + ")");
      }
      if (!seen.insert(name).second) {
        fail(key.Mark(), "key \"" + name + "\" is given twice in " + where);
      }
      on_key(name, entry.second);
    }
  }

  std::string string(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return {};
    if (!node.IsScalar()) fail(node.Mark(), key + " must be a string");
    return node.Scalar();
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    bool value = false;
    if (!node.IsScalar() || node.Tag() == "!" || !YAML::convert<bool>::decode(node, value)) {
      fail(node.Mark(), key + " must be true or false");
    }
    return value;
  }

  std::int64_t integer(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return 0;
    std::int64_t value = 0;
    if (!node.IsScalar() || node.Tag() == "!" ||
        !YAML::convert<std::int64_t>::decode(node, value)) {
      fail(node.Mark(), key + " must be a whole number");
    }
    return value;
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) fail(node.Mark(), key + " must be a list of strings");
    for (const auto& item : node) out.push_back(string(item, "an item of " + key));
    return out;
  }

  // A Go duration: a whole number of nanoseconds, or text such as `1s`, `1m30s`, `250ms`.
  std::chrono::nanoseconds duration(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return {};
    if (!node.IsScalar()) fail(node.Mark(), key + " must be a duration such as 1s");
    const std::string& text = node.Scalar();
    std::int64_t whole = 0;
    if (node.Tag() != "!" && YAML::convert<std::int64_t>::decode(node, whole)) {
      return std::chrono::nanoseconds(whole);
    }
    const auto bad = [&] {
      fail(node.Mark(), key + " must be a duration such as 1s, not \"" + text + "\"");
    };
    std::string_view rest = text;
    bool negative = false;
    if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
      negative = rest.front() == '-';
      rest.remove_prefix(1);
    }
    if (rest == "0") return {};
    if (rest.empty()) bad();
    long double total = 0;
    while (!rest.empty()) {
      std::size_t digits = 0;
      while (digits < rest.size() &&
             (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
        ++digits;
      }
      if (digits == 0) bad();
      long double number = 0;
      try {
        number = std::stold(std::string(rest.substr(0, digits)));
      } catch (const std::exception&) {
        bad();
      }
      rest.remove_prefix(digits);
      std::size_t unit_length = 0;
      while (unit_length < rest.size() &&
             !std::isdigit(static_cast<unsigned char>(rest[unit_length])) &&
             rest[unit_length] != '.') {
        ++unit_length;
      }
      const std::string_view unit = rest.substr(0, unit_length);
      rest.remove_prefix(unit_length);
      long double scale = 0;
      if (unit == "ns")
        scale = 1;
      else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
        scale = 1e3;
      else if (unit == "ms")
        scale = 1e6;
      else if (unit == "s")
        scale = 1e9;
      else if (unit == "m")
        scale = 60e9;
      else if (unit == "h")
        scale = 3600e9;
      else
        bad();
      total += number * scale;
    }
    if (total > 9.2e18L) bad();
    const auto ns = static_cast<std::int64_t>(std::llround(total));
    return std::chrono::nanoseconds(negative ? -ns : ns);
  }

  std::string path(const std::string& value) const {
    if (value.empty()) return value;
    const std::filesystem::path p = os::fs_path(value);
    if (p.is_absolute()) return value;
    const std::filesystem::path dir = os::fs_path(file_).parent_path();
    return dir.empty() ? value : os::utf8_of((dir / p).lexically_normal());
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

void check_bcrypt(const Reader& reader, const YAML::Mark& mark, const std::string& user,
                  const std::string& hash) {
  const auto bad = [&](const std::string& why) {
    reader.fail(mark, "the password of user \"" + user + "\" is not a bcrypt hash: " + why);
  };
  // The lengths and checks of Go's golang.org/x/crypto/bcrypt, limited to the variants
  // libxcrypt verifies.
  if (hash.size() < 59) bad("hashedSecret too short to be a bcrypted password");
  if (hash[0] != '$') bad("bcrypt hashes must start with '$'");
  if (hash.compare(0, 4, "$2a$") != 0 && hash.compare(0, 4, "$2b$") != 0 &&
      hash.compare(0, 4, "$2y$") != 0) {
    bad("expected the prefix $2a$, $2b$ or $2y$");
  }
  if (hash.size() != 60 || hash[6] != '$' || !std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5]))) {
    bad("expected $2y$NN$ and 53 characters of salt and hash");
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) bad("cost " + std::to_string(cost) + " is outside 4..31");
  for (std::size_t i = 7; i < hash.size(); ++i) {
    const char c = hash[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/')) {
      bad("a character outside ./A-Za-z0-9");
    }
  }
}

}  // namespace

bool TlsServerConfig::enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() || !key.empty() ||
         !client_ca_file.empty() || !client_ca.empty() || client_auth_given;
}

int bcrypt_cost(std::string_view hash) {
  return hash.size() < 6 ? 0 : (hash[4] - '0') * 10 + (hash[5] - '0');
}

WebSecurityConfig parse_web_config(std::string_view text, const std::string& file_name) {
  const Reader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    reader.fail(e.mark, "not YAML: " + e.msg);
  }
  WebSecurityConfig config;
  if (!root.IsNull() && !root.IsMap()) {
    reader.fail(root.Mark(),
                "the web configuration must be a mapping of tls_server_config, "
                "http_server_config, basic_auth_users and rate_limit");
  }
  YAML::Mark tls_mark = YAML::Mark::null_mark();
  YAML::Mark cipher_mark = YAML::Mark::null_mark();
  std::vector<std::pair<YAML::Mark, std::pair<std::string, std::string>>> users;
  std::vector<std::pair<YAML::Mark, std::pair<std::string, std::string>>> headers;
  std::string client_auth_text;
  YAML::Mark client_auth_mark = YAML::Mark::null_mark();
  bool has_http2_cipher = false;

  reader.each_key(
      root, "the web configuration",
      {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"},
      [&](const std::string& section, const YAML::Node& node) {
        if (section == "tls_server_config") {
          tls_mark = node.Mark();
          TlsServerConfig& tls = config.tls;
          reader.each_key(
              node, "tls_server_config",
              {"cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type",
               "client_ca_file", "cipher_suites", "curve_preferences", "min_version", "max_version",
               "prefer_server_cipher_suites", "client_allowed_sans"},
              [&](const std::string& key, const YAML::Node& value) {
                if (key == "cert")
                  tls.cert = reader.string(value, key);
                else if (key == "key")
                  tls.key = reader.string(value, key);
                else if (key == "client_ca")
                  tls.client_ca = reader.string(value, key);
                else if (key == "cert_file")
                  tls.cert_file = reader.path(reader.string(value, key));
                else if (key == "key_file")
                  tls.key_file = reader.path(reader.string(value, key));
                else if (key == "client_ca_file") {
                  tls.client_ca_file = reader.path(reader.string(value, key));
                } else if (key == "client_auth_type") {
                  client_auth_text = reader.string(value, key);
                  client_auth_mark = value.Mark();
                } else if (key == "client_allowed_sans") {
                  tls.client_allowed_sans = reader.strings(value, key);
                } else if (key == "prefer_server_cipher_suites") {
                  tls.prefer_server_cipher_suites = reader.boolean(value, key);
                } else if (key == "min_version" || key == "max_version") {
                  const std::string name = reader.string(value, key);
                  const auto* found = std::find_if(kVersions.begin(), kVersions.end(),
                                                   [&](const auto& v) { return v.first == name; });
                  if (found == kVersions.end()) {
                    reader.fail(value.Mark(), "unknown TLS version: " + name +
                                                  " (expected TLS10, TLS11, TLS12 or TLS13)");
                  }
                  (key == "min_version" ? tls.min_version : tls.max_version) = found->second;
                } else if (key == "cipher_suites") {
                  cipher_mark = value.Mark();
                  if (!value.IsNull() && !value.IsSequence())
                    reader.fail(value.Mark(), key + " must be a list");
                  if (value.IsSequence()) {
                    for (const auto& item : value) {
                      const std::string name = reader.string(item, "a cipher suite");
                      const auto* found = std::find_if(kCiphers.begin(), kCiphers.end(),
                                                       [&](const auto& c) { return c.go == name; });
                      if (found == kCiphers.end()) {
                        reader.fail(item.Mark(), "unknown cipher: " + name);
                      }
                      tls.cipher_suites_given = true;
                      if (name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" ||
                          name == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") {
                        has_http2_cipher = true;
                      }
                      if (!found->openssl.empty()) tls.cipher_suites.emplace_back(found->openssl);
                    }
                  }
                } else if (key == "curve_preferences") {
                  if (!value.IsNull() && !value.IsSequence())
                    reader.fail(value.Mark(), key + " must be a list");
                  if (value.IsSequence()) {
                    for (const auto& item : value) {
                      const std::string name = reader.string(item, "a curve");
                      const auto* found =
                          std::find_if(kCurves.begin(), kCurves.end(),
                                       [&](const auto& c) { return c.first == name; });
                      if (found == kCurves.end()) {
                        reader.fail(item.Mark(),
                                    "unknown curve: " + name +
                                        " (expected CurveP256, CurveP384, CurveP521 or X25519)");
                      }
                      tls.curve_preferences.emplace_back(found->second);
                    }
                  }
                }
              });
        } else if (section == "http_server_config") {
          reader.each_key(node, "http_server_config", {"http2", "headers"},
                          [&](const std::string& key, const YAML::Node& value) {
                            if (key == "http2") {
                              config.http.http2 = reader.boolean(value, key);
                              return;
                            }
                            reader.each_key(
                                value, "headers", {},
                                [&](const std::string& name, const YAML::Node& v) {
                                  headers.push_back({v.Mark(), {name, reader.string(v, name)}});
                                });
                          });
        } else if (section == "basic_auth_users") {
          reader.each_key(
              node, "basic_auth_users", {}, [&](const std::string& user, const YAML::Node& value) {
                users.push_back(
                    {value.Mark(), {user, reader.string(value, "the password of " + user)}});
              });
        } else {
          reader.each_key(node, "rate_limit", {"interval", "burst"},
                          [&](const std::string& key, const YAML::Node& value) {
                            if (key == "interval")
                              config.rate_limit.interval = reader.duration(value, key);
                            else
                              config.rate_limit.burst = reader.integer(value, key);
                          });
        }
      });

  // The checks exporter-toolkit makes after decoding, in its order: headers, users, then TLS.
  for (const auto& [mark, header] : headers) {
    const auto& [name, value] = header;
    const auto& allowed = allowed_headers();
    // Not `name` in a lambda: clang 14 (the fuzz build) cannot capture a structured binding.
    const auto* found = allowed.begin();
    while (found != allowed.end() && found->name != name) ++found;
    if (found == allowed.end()) {
      reader.fail(mark, "HTTP header \"" + name + "\" can not be configured");
    }
    if (!found->values.empty() &&
        std::find(found->values.begin(), found->values.end(), value) == found->values.end()) {
      reader.fail(mark, "invalid value for " + name + ". Expected one of: " +
                            quoted_list(found->values) + ", but got: \"" + value + "\"");
    }
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
        })) {
      reader.fail(mark, "invalid value for " + name + ": control characters are not allowed");
    }
    config.http.headers[name] = value;
  }
  for (const auto& [mark, user] : users) {
    check_bcrypt(reader, mark, user.first, user.second);
    config.basic_auth_users[user.first] = user.second;
  }

  TlsServerConfig& tls = config.tls;
  tls.client_auth_given = !client_auth_text.empty();
  if (!tls.enabled()) return config;
  if (tls.cert_file.empty() && tls.cert.empty()) {
    reader.fail(tls_mark, "tls_server_config: missing one of cert or cert_file");
  }
  if (tls.key_file.empty() && tls.key.empty()) {
    reader.fail(tls_mark, "tls_server_config: missing one of key or key_file");
  }
  if (client_auth_text == "RequestClientCert") {
    tls.client_auth = ClientAuth::kRequestClientCert;
  } else if (client_auth_text == "RequireAnyClientCert" ||
             client_auth_text == "RequireClientCert") {  // an old name exporter-toolkit keeps
    tls.client_auth = ClientAuth::kRequireAnyClientCert;
  } else if (client_auth_text == "VerifyClientCertIfGiven") {
    tls.client_auth = ClientAuth::kVerifyClientCertIfGiven;
  } else if (client_auth_text == "RequireAndVerifyClientCert") {
    tls.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  } else if (client_auth_text.empty() || client_auth_text == "NoClientCert") {
    tls.client_auth = ClientAuth::kNoClientCert;
  } else {
    reader.fail(client_auth_mark,
                "invalid ClientAuth: " + client_auth_text +
                    " (expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
                    "VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
  }
  if ((!tls.client_ca_file.empty() || !tls.client_ca.empty()) &&
      tls.client_auth == ClientAuth::kNoClientCert) {
    reader.fail(tls_mark, "client CA's have been configured without a Client Auth Policy");
  }
  // Go's HTTP/2 server refuses a cipher list without the suite HTTP/2 requires; exporter-toolkit
  // files rely on that (http2: false lifts it).
  if (config.http.http2 && tls.cipher_suites_given && !has_http2_cipher &&
      tls.min_version < TlsVersion::kTls13) {
    reader.fail(cipher_mark,
                "http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 "
                "cipher (need at least one of TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); add one or set "
                "http_server_config.http2: false");
  }
  return config;
}

WebSecurityConfig load_web_config(const std::string& file_name) {
  // A directory read as an empty file would turn TLS and authentication off: never.
  std::string text;
  if (const std::string why = os::read_small_file(file_name, text); !why.empty()) {
    throw WebConfigError(file_name + ": cannot read the web configuration file: " + why);
  }
  return parse_web_config(text, file_name);
}

}  // namespace tse
