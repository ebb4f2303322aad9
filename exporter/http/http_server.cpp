// The only translation unit that includes Boost.Beast: it is slow to compile.
#include "http/http_server.h"

#include "http/content_coding.h"
#include "http/landing_page.h"
#include "logging/rate_limiter.h"
#include "net/connection_set.h"
#include "net/host_port.h"
#include "net/ip_address.h"
#include "net/listen_options.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <atomic>
#include <type_traits>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace tse {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr std::uint64_t kMaxBodyBytes = 64 * 1024;
constexpr std::string_view kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

void limit(http::request_parser<http::string_body>& parser) {
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxBodyBytes);
}

void set_body(Response& response, std::string_view type, std::string body) {
  response.set(http::field::content_type, beast::string_view(type.data(), type.size()));
  response.body() = std::move(body);
  response.prepare_payload();
}

std::string_view request_path(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

bool is_metrics_request(const HttpRoutes& routes, const Request& request) {
  const bool allowed = request.method() == http::verb::get || request.method() == http::verb::head;
  return allowed && request_path(request) == routes.telemetry_path;
}

// The landing page without a rendering: the title and the links.
std::string links_page(const HttpRoutes& routes) {
  const std::string link = html_escape(routes.telemetry_path);
  return "<!DOCTYPE html>\n<html><head><title>tserver_exporter</title></head><body>\n<h1>" +
         html_escape(routes.title) +
         "</h1>\n"
         "<p>EventErrors of Genesys T-Servers, counted from their logs.</p>\n"
         "<ul><li><a href=\"" +
         link + "\">" + link +
         "</a></li>\n"
         "<li><a href=\"/-/healthy\">/-/healthy</a></li>\n"
         "<li><a href=\"/-/ready\">/-/ready</a></li></ul>\n</body></html>\n";
}

// GET or HEAD `/` when the routes have a landing rendering: answered by landing_response().
bool is_landing_request(const HttpRoutes& routes, const Request& request) {
  const bool allowed = request.method() == http::verb::get || request.method() == http::verb::head;
  return allowed && routes.landing && request_path(request) == "/";
}

// The landing page of a rendering (copied: it is small, bounded by LandingLimits); 503 when the
// rendering failed, the links page when it has no landing HTML.
Response landing_response(const HttpRoutes& routes, unsigned version, bool keep_alive, bool head,
                          const Exposition* exposition) {
  Response response(exposition ? http::status::ok : http::status::service_unavailable, version);
  response.keep_alive(keep_alive);
  response.set(http::field::server, "tserver_exporter");
  if (!exposition) {
    set_body(response, "text/plain; charset=utf-8",
             "the metrics could not be rendered; see the exporter's log\n");
  } else {
    set_body(response, "text/html; charset=utf-8",
             exposition->landing.empty() ? links_page(routes) : exposition->landing);
  }
  if (head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

// The answer of every route but the telemetry path and a landing rendering.
Response route_response(const HttpRoutes& routes, const Request& request) {
  const std::string_view path = request_path(request);
  const bool head = request.method() == http::verb::head;
  const bool allowed = request.method() == http::verb::get || head;
  Response response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "tserver_exporter");
  if (path == "/-/reload" && routes.reload) {  // a POST is answered by reload_response()
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "POST");
    set_body(response, "text/plain; charset=utf-8", "only POST reloads\n");
  } else if (!allowed) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    set_body(response, "text/plain; charset=utf-8", "only GET and HEAD are served\n");
  } else if (path == "/") {
    response.result(http::status::ok);
    set_body(response, "text/html; charset=utf-8", links_page(routes));
  } else if (path == "/-/healthy") {
    response.result(http::status::ok);
    set_body(response, "text/plain; charset=utf-8", "OK\n");
  } else if (path == "/-/ready") {
    const bool ready = !routes.ready || routes.ready();
    response.result(ready ? http::status::ok : http::status::service_unavailable);
    set_body(response, "text/plain; charset=utf-8",
             ready ? "OK\n" : "not ready: loading the state and reading the sources once\n");
  } else {
    response.result(http::status::not_found);
    set_body(response, "text/plain; charset=utf-8", "not found\n");
  }
  if (head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

// POST /-/reload, as Prometheus answers it: 200 and no body once reloaded, else 500 with the
// reason on one line.
bool is_reload_request(const HttpRoutes& routes, const Request& request) {
  return routes.reload && request.method() == http::verb::post &&
         request_path(request) == "/-/reload";
}

Response reload_response(unsigned version, bool keep_alive, bool ok, std::string_view error) {
  Response response(ok ? http::status::ok : http::status::internal_server_error, version);
  response.keep_alive(keep_alive);
  response.set(http::field::server, "tserver_exporter");
  std::string body;
  if (!ok) {
    body = "failed to reload config: ";
    for (const char c : error) body += c == '\n' || c == '\r' ? ' ' : c;
    body += '\n';
  }
  set_body(response, "text/plain; charset=utf-8", std::move(body));
  return response;
}

Response error_response(http::status status, std::string text) {
  Response response(status, 11);
  response.keep_alive(false);
  set_body(response, "text/plain; charset=utf-8", std::move(text));
  return response;
}

// The header of a metrics answer, formatted into `out` (a connection's buffer: no allocation
// once it has grown).
void format_metrics_header(std::string& out, unsigned version, bool keep_alive, bool gzip,
                           std::size_t length, const std::string& extra_headers = {}) {
  out.clear();
  out += version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
  out += "Server: tserver_exporter\r\nContent-Type: ";
  out += kExpositionType;
  out += gzip ? "\r\nContent-Encoding: gzip\r\n" : "\r\n";
  out += "Vary: Accept-Encoding\r\nContent-Length: ";
  out += std::to_string(length);
  out += "\r\n";
  out += extra_headers;  // the web configuration's, each line ending in CRLF
  // HTTP/1.1 is persistent unless told otherwise; HTTP/1.0 only when asked.
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

// The security a server applies (its web configuration) and the state that goes with it. Read
// and replaced on the HTTP thread only; every session holds it.
struct ServerState {
  std::shared_ptr<const WebSecurity> security;
  std::function<void(std::string_view)> on_event;
  std::chrono::milliseconds handshake_timeout{10000};
  asio::thread_pool* auth_pool = nullptr;  // the bcrypt worker, owned by the server
  // Password checks posted to the worker and not yet begun; raised on the HTTP thread only.
  std::atomic<std::size_t> auth_pending{0};
  std::size_t max_pending_auth = 8;
  // The rate_limit token bucket (exporter-toolkit's: full at start, one token per interval).
  double tokens = 0;
  std::chrono::steady_clock::time_point refilled{};

  void event(std::string_view name) const {
    if (on_event) on_event(name);
  }
  void reset_bucket() {
    tokens = security ? static_cast<double>(security->config.rate_limit.burst) : 0;
    refilled = std::chrono::steady_clock::now();
  }
  bool take_token() {
    if (!security || security->config.rate_limit.interval.count() <= 0) return true;
    const auto& limit = security->config.rate_limit;
    const auto now = std::chrono::steady_clock::now();
    const double burst = static_cast<double>(limit.burst);
    tokens = std::min(burst, tokens + std::chrono::duration<double>(now - refilled).count() /
                                          std::chrono::duration<double>(limit.interval).count());
    refilled = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }
};

void add_headers(Response& response, const ServerState& state) {
  if (!state.security) return;
  for (const auto& [name, value] : state.security->config.http.headers) {
    if (!value.empty()) response.set(name, value);
  }
}

// What Go's HTTPS server answers a plain HTTP request with, before it closes.
constexpr std::string_view kHttpToHttps =
    "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

// Whether the first bytes on a TLS port are a plain HTTP request (Go's test: the method).
bool looks_like_http(std::string_view first) {
  for (std::string_view method : {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"}) {
    const std::size_t n = std::min(first.size(), method.size());
    if (n > 0 && first.substr(0, n) == method.substr(0, n)) return true;
  }
  return false;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: (over TLS, the handshake first) read a request, check its credentials when
// the web configuration names users, answer it, repeat while the client keeps the connection
// alive. `Stream` is beast::tcp_stream or TlsStream: routing never knows which it serves.
// Every session is in the server's ConnectionSet from start to end, so that the cap on
// connections holds and the server can close them all when it stops; a handshake or a
// password check in progress counts as waiting for a request, so such connections are the
// first closed to let a new one in. It leaves the set on the HTTP thread when it ends (end()),
// never in its destructor: the last reference to a session waiting for a rendering or a bcrypt
// may be dropped on another thread.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Session<Stream>>::weak_from_this;

 public:
  Session(tcp::socket socket, std::shared_ptr<TlsContext> tls,
          std::shared_ptr<const HttpRoutes> routes, std::shared_ptr<ServerState> state,
          std::shared_ptr<ConnectionSet> connections, std::chrono::milliseconds idle_timeout)
      : tls_(std::move(tls)),
        stream_(make_stream(std::move(socket), tls_.get())),
        routes_(std::move(routes)),
        state_(std::move(state)),
        connections_(std::move(connections)),
        idle_timeout_(idle_timeout) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    id_ = connections_->add([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->abort();
    });
    if constexpr (kTls) {
      handshake();
    } else {
      read();
    }
  }

 private:
  static Stream make_stream(tcp::socket socket, TlsContext* tls) {
    if constexpr (kTls) {
      return Stream(beast::tcp_stream(std::move(socket)), tls->ssl);
    } else {
      (void)tls;
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // A client that sends nothing, or too slowly, is closed at the handshake timeout; until then
  // it only holds its own place, never the HTTP thread.
  void handshake() {
    lowest().expires_after(state_->handshake_timeout);
    connections_->reading(id_, ConnectionSet::Clock::now());
    beast::async_detect_ssl(
        lowest(), buffer_, [self = shared_from_this()](beast::error_code ec, bool tls) {
          if (self->aborted_) return;
          if (ec || !tls) {
            if (!ec)
              self->refuse_plain_http();
            else
              self->end();
            if (!ec || ec != asio::error::operation_aborted)
              self->state_->event("tls_handshake_failed");
            return;
          }
          if constexpr (kTls) {
            self->stream_.async_handshake(asio::ssl::stream_base::server, self->buffer_.data(),
                                          [self](beast::error_code hs_ec, std::size_t used) {
                                            if (self->aborted_) return;
                                            if (hs_ec) {
                                              self->state_->event("tls_handshake_failed");
                                              self->end();
                                              return;
                                            }
                                            self->buffer_.consume(used);
                                            self->read();
                                          });
          }
        });
  }

  void refuse_plain_http() {
    const auto data = buffer_.data();
    const std::string_view first(static_cast<const char*>(data.data()), data.size());
    if (!looks_like_http(first)) {
      end();
      return;
    }
    connections_->writing(id_, ConnectionSet::Clock::now());
    asio::async_write(
        lowest(), asio::buffer(kHttpToHttps),
        [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void read() {
    parser_.emplace();
    limit(*parser_);
    lowest().expires_after(idle_timeout_);
    connections_->reading(id_, ConnectionSet::Clock::now());
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (aborted_) return;
    connections_->busy(id_);
    if (ec == http::error::end_of_stream) {
      close();
      return;
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != asio::error::operation_aborted &&
          ec != asio::error::connection_reset && ec != asio::ssl::error::stream_truncated) {
        respond_error(http::status::bad_request, "bad request: " + ec.message() + "\n");
      } else {
        end();
      }
      return;
    }
    request_ = parser_->release();
    authorize();
  }

  // exporter-toolkit's order: the rate limit, then the credentials, for every path.
  void authorize() {
    if (!state_->take_token()) {
      state_->event("rate_limited");
      respond_status(http::status::too_many_requests, "Too Many Requests\n");
      return;
    }
    const auto security = state_->security;
    if (!security || !security->auth) {
      respond();
      return;
    }
    const auto header = request_[http::field::authorization];
    auto credentials = parse_basic_authorization(std::string_view(header.data(), header.size()));
    if (!credentials) {
      unauthorized();
      return;
    }
    std::shared_ptr<const BasicAuth> auth = security->auth;
    const BasicAuth::Key key = auth->key(*credentials);
    if (const auto known = auth->cached(key)) {
      *known ? respond() : unauthorized();
      return;
    }
    // A bcrypt takes tens of milliseconds to seconds: on the worker, never on this thread.
    // Only a few wait for it: past them a request is answered 503 at once, so that a flood of
    // wrong passwords holds neither memory nor a first right password for long.
    if (state_->auth_pending.load() >= state_->max_pending_auth) {
      state_->event("auth_checks_dropped");
      respond_status(http::status::service_unavailable, "too many password checks waiting\n", "1");
      return;
    }
    // Meanwhile the connection may be closed to let a new one in.
    connections_->reading(id_, ConnectionSet::Clock::now());
    ++state_->auth_pending;
    asio::post(*state_->auth_pool, [self = shared_from_this(), auth = std::move(auth),
                                    credentials = std::move(*credentials), key]() mutable {
      --self->state_->auth_pending;
      const bool allowed = !self->aborted_ && auth->verify(credentials, key);
      OPENSSL_cleanse(credentials.password.data(), credentials.password.size());
      auto executor = self->stream_.get_executor();
      asio::dispatch(executor, [self = std::move(self), allowed] {
        if (self->aborted_) return;
        self->connections_->busy(self->id_);
        allowed ? self->respond() : self->unauthorized();
      });
    });
  }

  void unauthorized() {
    state_->event("unauthorized");
    auto response = std::make_shared<Response>(http::status::unauthorized, request_.version());
    response->keep_alive(request_.keep_alive());
    response->set(http::field::server, "tserver_exporter");
    add_headers(*response, *state_);
    response->set(http::field::www_authenticate, "Basic");
    set_body(*response, "text/plain; charset=utf-8", "Unauthorized\n");
    write(response);
  }

  void respond_status(http::status status, std::string text, std::string_view retry_after = {}) {
    auto response = std::make_shared<Response>(status, request_.version());
    response->keep_alive(request_.keep_alive());
    response->set(http::field::server, "tserver_exporter");
    add_headers(*response, *state_);
    if (!retry_after.empty()) {
      response->set(http::field::retry_after,
                    beast::string_view(retry_after.data(), retry_after.size()));
    }
    set_body(*response, "text/plain; charset=utf-8", std::move(text));
    write(response);
  }

  void respond() {
    const Request& request = request_;
    const bool head = request.method() == http::verb::head;
    if (is_metrics_request(*routes_, request)) {
      // The text may come from another thread, later: the answer is written on this
      // connection's executor, from the shared text itself.
      const auto accept = request[http::field::accept_encoding];
      const bool gzip = accepts_gzip(std::string_view(accept.data(), accept.size()));
      // `mutable`, so that `self` moves to the HTTP thread's handler: the copy in the cache's
      // waiting list, released on the counting thread, is then empty.
      routes_->metrics([self = shared_from_this(), version = request.version(),
                        keep_alive = request.keep_alive(), head,
                        gzip](std::shared_ptr<const Exposition> exposition) mutable {
        auto executor = self->stream_.get_executor();
        asio::dispatch(executor, [self = std::move(self), version, keep_alive, head, gzip,
                                  exposition = std::move(exposition)]() mutable {
          self->respond_metrics(version, keep_alive, head, gzip, std::move(exposition));
        });
      });
      return;
    }
    if (is_reload_request(*routes_, request)) {
      respond_reload(request.version(), request.keep_alive());
      return;
    }
    if (is_landing_request(*routes_, request)) {
      // As the metrics: the rendering may come later, from the counting thread.
      routes_->landing([self = shared_from_this(), version = request.version(),
                        keep_alive = request.keep_alive(),
                        head](std::shared_ptr<const Exposition> exposition) mutable {
        auto executor = self->stream_.get_executor();
        asio::dispatch(executor, [self = std::move(self), version, keep_alive, head,
                                  exposition = std::move(exposition)] {
          if (self->aborted_) return;
          auto response = std::make_shared<Response>(
              landing_response(*self->routes_, version, keep_alive, head, exposition.get()));
          add_headers(*response, *self->state_);
          self->write(response);
        });
      });
      return;
    }
    auto response = std::make_shared<Response>(route_response(*routes_, request));
    add_headers(*response, *state_);
    write(response);
  }

  // The reload may end later on another thread: its answer is written on this connection's
  // executor.
  void respond_reload(unsigned version, bool keep_alive) {
    routes_->reload([self = shared_from_this(), version, keep_alive](bool ok,
                                                                     std::string error) mutable {
      auto executor = self->stream_.get_executor();
      asio::dispatch(executor, [self = std::move(self), version, keep_alive, ok,
                                error = std::move(error)] {
        if (self->aborted_) return;
        auto response = std::make_shared<Response>(reload_response(version, keep_alive, ok, error));
        add_headers(*response, *self->state_);
        self->write(response);
      });
    });
  }

  // The hot path of a busy scraper: the header is formatted into this connection's buffer (no
  // allocation once it has grown) and sent with the shared body (up to a few MB, never copied)
  // in one gather write; the write's handler keeps the rendering alive.
  void respond_metrics(unsigned version, bool keep_alive, bool head, bool gzip,
                       std::shared_ptr<const Exposition> exposition) {
    if (aborted_) return;
    if (!exposition) {  // the rendering failed (the log says why)
      respond_error(http::status::service_unavailable,
                    "the metrics could not be rendered; see the exporter's log\n");
      return;
    }
    gzip = gzip && !exposition->gzip.empty();
    const std::string& body = gzip ? exposition->gzip : exposition->text;
    format_metrics_header(header_, version, keep_alive, gzip, body.size(),
                          state_->security ? state_->security->extra_headers : std::string());
    // Not a std::array of two: Asio writes one of those by passing both buffers again, the first
    // emptied once sent, and Beast's flat_stream under ssl_stream (Boost 1.74) then writes 0
    // bytes, which ends the write without the body. Asio's generic path skips spent buffers.
    const std::array<asio::const_buffer, 3> buffers{
        asio::buffer(header_), head ? asio::const_buffer() : asio::buffer(body),
        asio::const_buffer()};
    lowest().expires_after(idle_timeout_);
    connections_->writing(id_, ConnectionSet::Clock::now());
    asio::async_write(stream_, buffers,
                      [self = shared_from_this(), keep_alive, exposition = std::move(exposition)](
                          beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  void respond_error(http::status status, std::string text) {
    auto response = std::make_shared<Response>(error_response(status, std::move(text)));
    add_headers(*response, *state_);
    write(response);
  }

  void write(const std::shared_ptr<Response>& response) {
    lowest().expires_after(idle_timeout_);
    connections_->writing(id_, ConnectionSet::Clock::now());
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                        if (ec || !response->keep_alive()) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  // The end of the session, after its last answer (or none): the socket is shut for sending
  // and closes with the session.
  void close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    end();
  }

  // Out of the ConnectionSet (a no-op once evicted or closed by the server's stop).
  void end() { connections_->remove(id_); }

  // Closed to make room for a new connection, or because the server stops: whatever is pending
  // ends with operation_aborted.
  void abort() {
    aborted_ = true;
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  std::shared_ptr<TlsContext> tls_;  // before stream_, which uses it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  std::shared_ptr<const HttpRoutes> routes_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<ConnectionSet> connections_;
  std::chrono::milliseconds idle_timeout_;
  ConnectionSet::Id id_ = 0;
  std::atomic<bool> aborted_{false};  // read by the bcrypt worker too
  std::string header_;                // of the last metrics response
};

// The answer to a connection over the cap when every open one is busy: short enough to fit in
// any socket buffer, so it is sent without waiting.
constexpr std::string_view kOverCapacity =
    "HTTP/1.1 503 Service Unavailable\r\nServer: tserver_exporter\r\nRetry-After: 1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 36\r\nConnection: close\r\n\r\n"
    "too many connections; try again now\n";

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, const std::vector<tcp::endpoint>& endpoints, HttpRoutes routes,
       HttpLimits limits, std::shared_ptr<const WebSecurity> security)
      : routes_(std::make_shared<const HttpRoutes>(std::move(routes))),
        limits_(std::move(limits)),
        connections_(
            std::make_shared<ConnectionSet>(std::max<std::size_t>(1, limits_.max_connections),
                                            limits_.on_open, limits_.stalled_write)) {
    state_->security = std::move(security);
    state_->on_event = limits_.on_security_event;
    state_->handshake_timeout = limits_.handshake_timeout;
    state_->auth_pool = &auth_pool_;
    state_->max_pending_auth = std::max<std::size_t>(1, limits_.max_pending_auth_checks);
    state_->reset_bucket();
    if (endpoints.empty()) throw std::invalid_argument("no address to listen on");
    for (const auto& endpoint : endpoints) listen(io, endpoint);
  }

  // One listening socket (`--web.listen-address`, repeatable); every one feeds the same
  // connection cap and routes.
  struct Listener {
    explicit Listener(asio::io_context& io) : acceptor(io), retry(io) {}
    tcp::acceptor acceptor;
    asio::steady_timer retry;
  };

  void listen(asio::io_context& io, const tcp::endpoint& endpoint) {
    auto& acceptor = listeners_.emplace_back(std::make_unique<Listener>(io))->acceptor;
    try {
      acceptor.open(endpoint.protocol());
      net::set_exclusive_listen(acceptor);
      if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
        boost::system::error_code ignored;  // `:port` means every interface, IPv4 included
        acceptor.set_option(asio::ip::v6_only(false), ignored);
      }
      acceptor.bind(endpoint);
      acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
      std::ostringstream where;
      where << endpoint;
      throw std::system_error(e.code(), "cannot listen on " + where.str());
    }
  }

  void accept() {
    for (auto& listener : listeners_) accept(*listener);
  }

  // Accepting never stops while the acceptor is open: a connection that cannot be set up is
  // dropped alone, and after an accept error (out of file descriptors, say) the next accept
  // waits kAcceptRetry instead of spinning.
  void accept(Listener& listener) {
    listener.acceptor.async_accept(
        [self = shared_from_this(), &listener](beast::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
          if (ec) {
            if (self->limiter_.allow()) {
              spdlog::warn("accepting an HTTP connection failed: {}", ec.message());
            }
            listener.retry.expires_after(kAcceptRetry);
            listener.retry.async_wait([self, &listener](beast::error_code wait_ec) {
              if (!wait_ec) self->accept(listener);
            });
            return;
          }
          self->admit(std::move(socket));
          self->accept(listener);
        });
  }

  void admit(tcp::socket socket) {
    switch (connections_->admit()) {
      case ConnectionSet::Admission::kAdmitted:
        break;
      case ConnectionSet::Admission::kEvicted:
        turned_away("evicted");
        break;
      case ConnectionSet::Admission::kRefused: {
        turned_away("refused");
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.send(asio::buffer(kOverCapacity), 0, ignored);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        return;
      }
    }
    try {
      // The TLS context of this connection: the current one, re-read if its files changed.
      const auto& security = state_->security;
      if (security && security->tls) {
        std::make_shared<Session<TlsStream>>(std::move(socket), security->tls->current(), routes_,
                                             state_, connections_, limits_.idle_timeout)
            ->start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), nullptr, routes_, state_,
                                                     connections_, limits_.idle_timeout)
            ->start();
      }
    } catch (const std::exception& e) {
      if (limiter_.allow()) spdlog::warn("dropping an HTTP connection: {}", e.what());
    }
  }

  void turned_away(std::string_view reason) {
    if (limits_.on_turned_away) limits_.on_turned_away(reason);
    if (cap_limiter_.allow()) {
      spdlog::warn("{} HTTP connections open, the limit (--web.max-connections): {} a connection",
                   connections_->max(), reason == "evicted" ? "closed the idlest" : "refused");
    }
  }

  void stop() {
    for (auto& listener : listeners_) {
      boost::system::error_code ignored;
      listener->acceptor.close(ignored);
      listener->retry.cancel();
    }
    connections_->close_all();
  }

  ~Impl() {
    // Every session is aborted by now (stop): what is queued for bcrypt is dropped.
    auth_pool_.stop();
    auth_pool_.join();
  }

  static constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
  std::vector<std::unique_ptr<Listener>> listeners_;  // never moved: handlers hold references
  RateLimiter limiter_{std::chrono::minutes(1)};
  RateLimiter cap_limiter_{std::chrono::minutes(1)};
  std::shared_ptr<const HttpRoutes> routes_;
  HttpLimits limits_;
  std::shared_ptr<ConnectionSet> connections_;
  std::shared_ptr<ServerState> state_ = std::make_shared<ServerState>();
  // One thread for bcrypt, as exporter-toolkit runs one at a time: a flood of wrong passwords
  // takes one core at most and never the HTTP thread.
  asio::thread_pool auth_pool_{1};
};

HttpServer::HttpServer(asio::io_context& io, const tcp::endpoint& endpoint, HttpRoutes routes,
                       HttpLimits limits, std::shared_ptr<const WebSecurity> security)
    : HttpServer(io, std::vector<tcp::endpoint>{endpoint}, std::move(routes), std::move(limits),
                 std::move(security)) {}

HttpServer::HttpServer(asio::io_context& io, const std::vector<tcp::endpoint>& endpoints,
                       HttpRoutes routes, HttpLimits limits,
                       std::shared_ptr<const WebSecurity> security)
    : impl_(std::make_shared<Impl>(io, endpoints, std::move(routes), std::move(limits),
                                   std::move(security))) {
  impl_->accept();
}

HttpServer::~HttpServer() { stop(); }

tcp::endpoint HttpServer::local_endpoint() const {
  return impl_->listeners_.front()->acceptor.local_endpoint();
}

std::vector<tcp::endpoint> HttpServer::local_endpoints() const {
  std::vector<tcp::endpoint> endpoints;
  for (const auto& listener : impl_->listeners_) {
    endpoints.push_back(listener->acceptor.local_endpoint());
  }
  return endpoints;
}

void HttpServer::stop() {
  if (impl_) impl_->stop();
}

void HttpServer::set_web_config(std::shared_ptr<const WebSecurity> security) {
  asio::post(impl_->listeners_.front()->acceptor.get_executor(),
             [impl = impl_, security = std::move(security)] {
               impl->state_->security = security;
               impl->state_->reset_bucket();
             });
}

tcp::endpoint parse_listen_address(asio::io_context& io, const std::string& address) {
  const auto [host, port_text, port16] =
      split_host_port(address, "listen address \"" + address + "\"");
  if (host.empty()) {
    // Every interface: IPv6 dual-stack where the machine has IPv6, else IPv4.
    tcp::acceptor probe(io);
    boost::system::error_code ec;
    probe.open(tcp::v6(), ec);
    return ec ? tcp::endpoint(tcp::v4(), port16) : tcp::endpoint(tcp::v6(), port16);
  }
  if (const auto ip = net::parse_ip_address(host)) return {*ip, port16};
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, port_text, ec);
  if (ec || results.empty()) {
    throw std::invalid_argument("listen address \"" + address + "\": cannot resolve \"" + host +
                                "\"");
  }
  return results.begin()->endpoint();
}

std::string answer_raw_request(const HttpRoutes& routes, std::string_view bytes) {
  http::request_parser<http::string_body> parser;
  limit(parser);
  parser.eager(true);
  beast::error_code ec;
  asio::const_buffer rest(bytes.data(), bytes.size());
  while (rest.size() > 0 && !parser.is_done()) {
    const std::size_t used = parser.put(rest, ec);
    rest += used;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) break;
  }
  if (!ec && !parser.is_done()) {
    if (!parser.got_some()) return {};  // the client closed before a request: no answer
    parser.put_eof(ec);
  }
  std::ostringstream out;
  if (ec) {
    out << error_response(http::status::bad_request, "bad request: " + ec.message() + "\n");
    return out.str();
  }
  const Request& request = parser.get();
  if (is_reload_request(routes, request)) {
    std::optional<Response> response;
    routes.reload([&](bool ok, std::string error) {
      response = reload_response(request.version(), request.keep_alive(), ok, error);
    });
    if (!response) return {};
    out << *response;
    return out.str();
  }
  if (is_landing_request(routes, request)) {
    std::optional<Response> response;
    routes.landing([&](std::shared_ptr<const Exposition> exposition) {
      response = landing_response(routes, request.version(), request.keep_alive(),
                                  request.method() == http::verb::head, exposition.get());
    });
    if (!response) return {};
    out << *response;
    return out.str();
  }
  if (!is_metrics_request(routes, request)) {
    out << route_response(routes, request);
    return out.str();
  }
  bool answered = false;
  std::shared_ptr<const Exposition> exposition;
  routes.metrics([&](std::shared_ptr<const Exposition> text) {
    answered = true;
    exposition = std::move(text);
  });
  if (!answered) return {};
  if (!exposition) {
    out << error_response(http::status::service_unavailable,
                          "the metrics could not be rendered; see the exporter's log\n");
    return out.str();
  }
  const auto accept = request[http::field::accept_encoding];
  const bool gzip =
      accepts_gzip(std::string_view(accept.data(), accept.size())) && !exposition->gzip.empty();
  const std::string& body = gzip ? exposition->gzip : exposition->text;
  std::string answer;
  format_metrics_header(answer, request.version(), request.keep_alive(), gzip, body.size());
  if (request.method() != http::verb::head) answer += body;
  return answer;
}

}  // namespace tse
