#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/exposition_cache.h"
#include "web/web_security.h"

namespace tse {

/// What the HTTP server serves.
struct HttpRoutes {
  std::string telemetry_path = "/metrics";
  /// Asks for the exposition of the telemetry path: calls its argument with it, at once or
  /// later, on any thread. The server keeps it alive while it sends it, without a copy, gzipped
  /// to the clients that accept gzip when it has a gzip form.
  std::function<void(std::function<void(std::shared_ptr<const Exposition>)>)> metrics;
  /// The landing page's title line (name and version).
  std::string title = "tserver_exporter";
  /// Asks for the rendering whose `landing` HTML the landing page `/` serves, as `metrics` does
  /// (without counting a scrape). Unset, or a rendering without it: `/` is a page of links.
  std::function<void(std::function<void(std::shared_ptr<const Exposition>)>)> landing;
  /// `/-/ready`: 200 once it returns true (the state is loaded and every source has been
  /// looked at once), 503 before. Called on the HTTP thread. Unset: always ready.
  std::function<bool()> ready;
  /// `POST /-/reload`: called on the HTTP thread with a completion to call, at once or later, on
  /// any thread: `ok`, else the reason in `error`. The answer (200, or 500 with the reason)
  /// waits for it. Unset: there is no /-/reload.
  std::function<void(std::function<void(bool ok, std::string error)>)> reload;
};

/// How many connections the server holds, and for how long.
struct HttpLimits {
  /// Open connections at most. Past it, the connection that has waited longest for a request is
  /// closed to let the new one in (else the one whose response has been stuck longest, past
  /// `stalled_write`); a new one is turned away (a 503, then closed) only when every connection
  /// is busy answering. 64 by default (`--web.max-connections`).
  std::size_t max_connections = 64;
  /// A connection that sends no complete request, or does not take its response, for this long
  /// is closed.
  std::chrono::milliseconds idle_timeout{30000};
  /// A response the client has not taken for this long (it sends requests and never reads) no
  /// longer holds its place: the connection may be closed to let a new one in.
  std::chrono::milliseconds stalled_write{2000};
  /// Told, on the HTTP thread, how many connections are open whenever that changes.
  std::function<void(std::size_t open)> on_open;
  /// Told, on the HTTP thread, of every connection closed or refused for the cap: "evicted"
  /// (closed to let a new one in) or "refused" (the new one, when all were busy).
  std::function<void(std::string_view reason)> on_turned_away;
  /// A TLS client that has not finished its handshake in this long is closed.
  std::chrono::milliseconds handshake_timeout{10000};
  /// Password checks (bcrypt, one at a time) waiting at most; a request that would be one more
  /// is answered 503 with `Retry-After: 1` at once.
  std::size_t max_pending_auth_checks = 8;
  /// Told, on the HTTP thread, of what the web configuration turned away: "tls_handshake_failed"
  /// (also a plain HTTP request to a TLS port), "unauthorized" (a 401), "rate_limited" (a 429),
  /// "auth_checks_dropped" (a 503: max_pending_auth_checks were waiting).
  std::function<void(std::string_view event)> on_security_event;
};

/// An HTTP/1.1 server on Boost.Beast: the telemetry path, a landing page at `/`, `/-/healthy`,
/// `/-/ready`, and `POST /-/reload` when the routes have a reload. GET and HEAD elsewhere;
/// keep-alive; bounded request size, idle time and number of connections (one cap for all the
/// addresses it listens on).
/// With a web configuration (exporter-toolkit's `--web.config.file`): HTTPS (the certificate
/// re-read when its files change), basic authentication on every path (bcrypt on a worker
/// thread), extra response headers, a rate limit. A plain HTTP request to the TLS port gets Go's
/// answer, `400 Client sent an HTTP request to an HTTPS server.`, and is closed.
///
/// Runs on the io_context it is given; every handler runs on that context's thread (the daemon
/// gives it a thread of its own, so that reading logs never holds a scrape up). The
/// constructor throws std::system_error when the address cannot be bound (port in use); while
/// running, a bad client only ends its own connection.
class HttpServer {
 public:
  /// `security` null: plain HTTP, no authentication.
  HttpServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
             HttpRoutes routes, HttpLimits limits = {},
             std::shared_ptr<const WebSecurity> security = nullptr);
  /// Listens on every endpoint (`--web.listen-address`, repeatable); throws for the first that
  /// cannot be bound.
  HttpServer(boost::asio::io_context& io,
             const std::vector<boost::asio::ip::tcp::endpoint>& endpoints, HttpRoutes routes,
             HttpLimits limits = {}, std::shared_ptr<const WebSecurity> security = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound address (with the real port when asked for port 0).
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// Every bound address, in the order given.
  [[nodiscard]] std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;

  /// Stops accepting and closes every open connection. Call on the server's thread.
  void stop();

  /// Applies a new web configuration (a reload: SIGHUP, POST /-/reload) to the connections
  /// accepted from now on; the listening socket stays, open connections finish as they began.
  /// Any thread; null turns TLS and authentication off.
  void set_web_config(std::shared_ptr<const WebSecurity> security);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

/// Answers one request given as the raw bytes a client sent, as a connection would but without
/// a socket: Beast's parser with the server's limits, then the route. Returns the response's
/// bytes, or "" where a connection would close without an answer (no request at all, or a
/// telemetry, landing or reload route that does not answer at once). For tests and fuzzing; any
/// thread.
std::string answer_raw_request(const HttpRoutes& routes, std::string_view bytes);

/// Parses a `--web.listen-address` value: `:PORT` (every interface), `HOST:PORT`, `[V6]:PORT`.
/// Throws std::invalid_argument with a one-line reason.
boost::asio::ip::tcp::endpoint parse_listen_address(boost::asio::io_context& io,
                                                    const std::string& address);

}  // namespace tse
