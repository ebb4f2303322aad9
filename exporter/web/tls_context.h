#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "logging/rate_limiter.h"
#include "web/web_config.h"

namespace tse {

/// One OpenSSL server context built from a tls_server_config, with what its verify callback
/// needs. A connection keeps the shared_ptr it started with, so a context replaced while it
/// handshakes stays alive.
struct TlsContext {
  explicit TlsContext(boost::asio::ssl::context::method method) : ssl(method) {}
  boost::asio::ssl::context ssl;
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  /// Set (even empty, as in Go): the client certificate must carry one of them.
  std::optional<std::vector<std::string>> allowed_sans;
};

/// The TLS server context of the web configuration, its certificate and key (and client CAs)
/// re-read when their files change, as exporter-toolkit looks its certificate up on every
/// connection: current() looks at the files' identity (inode, size, mtime, ctime) at most once a
/// second and rebuilds the context when it changed. A rebuild that fails (a key that does not
/// match its certificate, a file half written) keeps the old context, is logged at a rate limit
/// and told to `on_failure` once per change of the files.
///
/// Thread-safe: the HTTP thread and the network listeners' thread may share one. The
/// constructor reads the files and throws WebConfigError (`FILE: reason`, FILE the web
/// configuration file) when they cannot be used: a start-up or reload error.
class TlsContextSource {
 public:
  using Clock = std::chrono::steady_clock;

  TlsContextSource(TlsServerConfig config, std::string web_config_file,
                   std::function<void()> on_failure = nullptr);

  /// The context for a new connection.
  std::shared_ptr<TlsContext> current(Clock::time_point now = Clock::now());

  [[nodiscard]] const TlsServerConfig& config() const { return config_; }

 private:
  std::string signature() const;

  TlsServerConfig config_;
  std::string web_config_file_;
  std::function<void()> on_failure_;
  std::mutex mutex_;
  std::shared_ptr<TlsContext> context_;
  std::string signature_;         // of the files the context was built from
  std::string failed_signature_;  // of the files whose rebuild last failed
  Clock::time_point next_check_{};
  RateLimiter log_limiter_{std::chrono::minutes(1)};
};

/// Builds a context from `config`, reading its files now. Throws WebConfigError naming
/// `web_config_file`. Any thread.
std::shared_ptr<TlsContext> make_tls_context(const TlsServerConfig& config,
                                             const std::string& web_config_file);

}  // namespace tse
