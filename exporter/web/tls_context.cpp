#include "web/tls_context.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

#include "os/file_system.h"
#include "os/small_file.h"

namespace tse {
namespace {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string read_whole(const std::string& path, const std::string& key) {
  std::string text;
  if (const std::string why = os::read_small_file(path, text); !why.empty()) {
    throw WebConfigError("failed to read " + key + " (" + path + "): " + why);
  }
  return text;
}

int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string asn1_text(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// Whether one of the certificate's subject alternative names (DNS, e-mail, URI, IP written as
// Go writes it) is in `allowed`.
bool san_allowed(X509* cert, const std::vector<std::string>& allowed) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string text;
    if (name->type == GEN_DNS || name->type == GEN_EMAIL || name->type == GEN_URI) {
      text = asn1_text(name->d.ia5);
    } else if (name->type == GEN_IPADD) {
      const std::string raw = asn1_text(name->d.iPAddress);
      if (raw.size() == 4) {
        boost::asio::ip::address_v4::bytes_type bytes;
        std::copy(raw.begin(), raw.end(), bytes.begin());
        text = boost::asio::ip::address_v4(bytes).to_string();
      } else if (raw.size() == 16) {
        boost::asio::ip::address_v6::bytes_type bytes;
        std::copy(raw.begin(), raw.end(), bytes.begin());
        text = boost::asio::ip::address_v6(bytes).to_string();
      }
    }
    found = !text.empty() && std::find(allowed.begin(), allowed.end(), text) != allowed.end();
  }
  GENERAL_NAMES_free(names);
  return found;
}

// Go's client authentication policies: RequestClientCert and RequireAnyClientCert take any
// certificate unverified; the Verify ones need a chain to a client CA. client_allowed_sans
// applies to the client's own certificate in every case.
int verify_client(int preverified, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* context =
      static_cast<const TlsContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), context_index()));
  if (context == nullptr) return preverified;
  const bool unverified = context->client_auth == ClientAuth::kRequestClientCert ||
                          context->client_auth == ClientAuth::kRequireAnyClientCert;
  int ok = unverified ? 1 : preverified;
  if (ok && X509_STORE_CTX_get_error_depth(store) == 0 && context->allowed_sans &&
      !san_allowed(X509_STORE_CTX_get_current_cert(store), *context->allowed_sans)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    ok = 0;
  }
  return ok;
}

// The server speaks HTTP/1.1 only: it agrees to `http/1.1` when offered, else to nothing.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, in, in_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

void check(int result, const std::string& what) {
  if (result != 1) throw WebConfigError(what + ": " + openssl_error());
}

std::shared_ptr<TlsContext> build(const TlsServerConfig& config) {
  auto context = std::make_shared<TlsContext>(boost::asio::ssl::context::tls_server);
  context->client_auth = config.client_auth;
  context->allowed_sans = config.client_allowed_sans;
  SSL_CTX* ctx = context->ssl.native_handle();
  check(SSL_CTX_set_ex_data(ctx, context_index(), context.get()), "tls_server_config");
  check(static_cast<int>(SSL_CTX_set_min_proto_version(ctx, static_cast<int>(config.min_version))),
        "min_version");
  check(static_cast<int>(SSL_CTX_set_max_proto_version(ctx, static_cast<int>(config.max_version))),
        "max_version");
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
               (config.prefer_server_cipher_suites ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  if (!config.cipher_suites.empty()) {
    std::string list;
    for (const auto& name : config.cipher_suites) list += (list.empty() ? "" : ":") + name;
    check(SSL_CTX_set_cipher_list(ctx, list.c_str()), "cipher_suites");
  }
  if (!config.curve_preferences.empty()) {
    std::string list;
    for (const auto& name : config.curve_preferences) list += (list.empty() ? "" : ":") + name;
    check(static_cast<int>(SSL_CTX_set1_groups_list(ctx, list.c_str())), "curve_preferences");
  }

  const std::string cert =
      config.cert_file.empty() ? config.cert : read_whole(config.cert_file, "cert_file");
  const std::string key =
      config.key_file.empty() ? config.key : read_whole(config.key_file, "key_file");
  // The key first: a certificate loaded after a key that does not match it replaces the key,
  // and the check below then says so in words.
  boost::system::error_code ec;
  context->ssl.use_private_key(boost::asio::buffer(key), boost::asio::ssl::context::pem, ec);
  if (ec) throw WebConfigError("failed to load X509KeyPair: the key: " + ec.message());
  context->ssl.use_certificate_chain(boost::asio::buffer(cert), ec);
  if (ec) throw WebConfigError("failed to load X509KeyPair: the certificate: " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw WebConfigError(
        "failed to load X509KeyPair: the private key does not match the "
        "certificate's public key");
  }

  const std::string client_ca = config.client_ca_file.empty()
                                    ? config.client_ca
                                    : read_whole(config.client_ca_file, "client_ca_file");
  if (config.client_auth != ClientAuth::kNoClientCert) {
    if (!client_ca.empty()) {
      // As Go's AppendCertsFromPEM: the PEM blocks that are certificates, the rest ignored.
      BIO* bio = BIO_new_mem_buf(client_ca.data(), static_cast<int>(client_ca.size()));
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
      while (X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, ca);
        sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca)));
        X509_free(ca);
      }
      ERR_clear_error();
      BIO_free(bio);
      SSL_CTX_set_client_CA_list(ctx, names);
    } else {
      // No client CA: Go verifies client certificates against the system's roots.
      SSL_CTX_set_default_verify_paths(ctx);
    }
  }
  int mode = SSL_VERIFY_NONE;
  switch (config.client_auth) {
    case ClientAuth::kNoClientCert:
      break;
    case ClientAuth::kRequestClientCert:
    case ClientAuth::kVerifyClientCertIfGiven:
      mode = SSL_VERIFY_PEER;
      break;
    case ClientAuth::kRequireAnyClientCert:
    case ClientAuth::kRequireAndVerifyClientCert:
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
  }
  SSL_CTX_set_verify(ctx, mode, mode == SSL_VERIFY_NONE ? nullptr : verify_client);
  static constexpr unsigned char kSessionContext[] = "tserver_exporter";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  return context;
}

}  // namespace

std::shared_ptr<TlsContext> make_tls_context(const TlsServerConfig& config,
                                             const std::string& web_config_file) {
  try {
    return build(config);
  } catch (const WebConfigError& e) {
    throw WebConfigError(web_config_file + ": " + e.what());
  }
}

TlsContextSource::TlsContextSource(TlsServerConfig config, std::string web_config_file,
                                   std::function<void()> on_failure)
    : config_(std::move(config)),
      web_config_file_(std::move(web_config_file)),
      on_failure_(std::move(on_failure)),
      signature_(signature()) {
  context_ = make_tls_context(config_, web_config_file_);
  next_check_ = Clock::now() + std::chrono::seconds(1);
}

std::string TlsContextSource::signature() const {
  std::string out;
  for (const std::string* path : {&config_.cert_file, &config_.key_file, &config_.client_ca_file}) {
    if (path->empty()) continue;
    // The change time moves with every write and every rename over the file (a certificate
    // renewed in place or swapped in), the identity with a replacement.
    const os::StatResult stat = os::status_at(*path);
    if (stat.error == os::FileError::kMissing) {
      out += "missing;";
      continue;
    }
    out += std::to_string(stat.status.id.device) + ":" + std::to_string(stat.status.id.inode) +
           ":" + std::to_string(stat.status.size) + ":" + std::to_string(stat.status.change_ns) +
           ":" + std::to_string(static_cast<int>(stat.error)) + ";";
  }
  return out;
}

std::shared_ptr<TlsContext> TlsContextSource::current(Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  if (now < next_check_) return context_;
  next_check_ = now + std::chrono::seconds(1);
  const std::string files = signature();
  if (files == signature_ || files == failed_signature_) return context_;
  try {
    context_ = make_tls_context(config_, web_config_file_);
    signature_ = files;
    failed_signature_.clear();
    spdlog::info("TLS certificate re-read: its files changed");
  } catch (const WebConfigError& e) {
    failed_signature_ = files;
    if (on_failure_) on_failure_();
    if (log_limiter_.allow(now)) {
      spdlog::warn("keeping the TLS certificate in use: re-reading it failed: {}", e.what());
    }
  }
  return context_;
}

}  // namespace tse
