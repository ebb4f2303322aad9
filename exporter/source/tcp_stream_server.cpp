#include "source/tcp_stream_server.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/listen_options.h"
#include "source/syslog_message.h"
#include "web/tls_context.h"

namespace tse {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// One accepted TCP connection: reads its bytes (over TLS first the handshake, bounded by
/// kHandshakeTimeout) and hands them to the sink, raw or as syslog frames. Kept alive by its
/// pending read; in its server's ConnectionSet while open, so that stopping the server closes
/// it. The event loop thread only.
class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  static constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

  TcpConnection(tcp::socket socket, std::shared_ptr<TcpStreamServer> server,
                std::shared_ptr<TlsContext> tls)
      : socket_(std::move(socket)),
        tls_context_(std::move(tls)),
        timer_(socket_.get_executor()),
        server_(std::move(server)),
        syslog_(server_->sink().options().kind == ListenerOptions::Kind::kSyslogTcp),
        framer_(server_->sink().options().max_message) {
    boost::system::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    name_ =
        "#" + std::to_string(server_->next_id()) + " " +
        (ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port()));
    if (tls_context_) tls_.emplace(socket_, tls_context_->ssl);
  }

  void start() {
    id_ = server_->connections().add([weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        if (!self->handshaken_) {
          self->server_->sink().tls_handshake_failed("a TLS handshake not finished from " +
                                                     self->name_ +
                                                     "; closing it to let a new connection in");
        }
        self->stop();
      }
    });
    if (tls_) {
      // Until its handshake ends, the connection may be closed to make room for a new one: a
      // client that opens connections and stalls them never locks a forwarder out.
      server_->connections().reading(id_, ConnectionSet::Clock::now());
      handshake();
    } else {
      read();
    }
  }

  /// Closes the socket and the connection's origins (their open records are counted). Called
  /// once, after the connection left the ConnectionSet.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    server_->sink().close_connection(name_);
  }

 private:
  void handshake() {
    timer_.expires_after(kHandshakeTimeout);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || self->stopped_) return;
      self->server_->sink().tls_handshake_failed("no TLS handshake within 10s from " + self->name_ +
                                                 "; closing it");
      self->end();
    });
    tls_->async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](
                                                              const boost::system::error_code& ec) {
      if (self->stopped_) return;
      if (ec) {
        self->server_->sink().tls_handshake_failed("a TLS handshake failed from " + self->name_ +
                                                   ": " + ec.message());
        self->end();
        return;
      }
      self->handshaken_ = true;
      self->server_->connections().busy(self->id_);
      self->read();
    });
  }

  void read() {
    timer_.expires_after(server_->sink().options().idle_timeout);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec && !self->stopped_) self->end();
    });
    auto on_read = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      self->on_read(ec, n);
    };
    if (tls_) {
      tls_->async_read_some(asio::buffer(buffer_), std::move(on_read));
    } else {
      socket_.async_read_some(asio::buffer(buffer_), std::move(on_read));
    }
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    if (stopped_) return;
    if (n > 0 && !consume(std::string_view(buffer_.data(), n))) {
      end();
      return;
    }
    if (ec) {
      end();
      return;
    }
    read();
  }

  // False when the stream cannot go on (a bad octet count).
  bool consume(std::string_view bytes) {
    ListenerSink& sink = server_->sink();
    if (!syslog_) {
      sink.deliver_raw(bytes, name_);
      return true;
    }
    const std::uint64_t oversize = framer_.oversize();
    const bool ok =
        framer_.feed(bytes, [&](std::string_view frame) { sink.deliver_syslog(frame, name_); });
    if (framer_.oversize() > oversize) {
      sink.framing_error("a message over the size limit from " + name_);
    }
    if (!ok) sink.framing_error("a bad octet count from " + name_ + "; closing it");
    return ok;
  }

  void end() { server_->ended(id_, shared_from_this()); }

  tcp::socket socket_;
  std::shared_ptr<TlsContext> tls_context_;  // kept while tls_ uses it
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer timer_;
  std::shared_ptr<TcpStreamServer> server_;
  bool syslog_;
  SyslogFramer framer_;
  std::string name_;
  ConnectionSet::Id id_ = 0;
  std::array<char, 65536> buffer_{};
  bool stopped_ = false;
  bool handshaken_ = false;  // TLS: the handshake ended well (never evicted from then on)
};

TcpStreamServer::TcpStreamServer(asio::io_context& io, std::shared_ptr<ListenerSink> sink)
    : acceptor_(io), sink_(std::move(sink)), connections_(sink_->options().max_connections) {
  const ListenerOptions& options = sink_->options();
  const tcp::endpoint endpoint(asio::ip::make_address(options.bind_host()), options.port);
  acceptor_.open(endpoint.protocol());
  net::set_exclusive_listen(acceptor_);
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

TcpStreamServer::~TcpStreamServer() = default;

void TcpStreamServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  connections_.close_all();
}

unsigned short TcpStreamServer::port() const { return acceptor_.local_endpoint().port(); }

void TcpStreamServer::ended(ConnectionSet::Id id,
                            const std::shared_ptr<TcpConnection>& connection) {
  connections_.remove(id);
  connection->stop();
}

void TcpStreamServer::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (ec) {
          // Out of descriptors (EMFILE), say: accepting again at once would spin the counting
          // thread; the pending connection waits in the backlog.
          self->sink_->warn("accepting a connection failed: " + ec.message() + "; retrying");
          self->retry_.expires_after(kAcceptRetry);
          self->retry_.async_wait([self](const boost::system::error_code& wait_ec) {
            if (!wait_ec) self->accept();
          });
          return;
        }
        {
          // Full: a TLS connection still in its handshake gives its place (admit() closes the
          // one waiting longest); one that delivers lines never does, the new one is refused.
          if (self->connections_.admit() == ConnectionSet::Admission::kRefused) {
            self->sink_->connection_refused();
          } else {
            self->sink_->connection_accepted();
            const auto& tls = self->sink_->options().tls_context;
            std::make_shared<TcpConnection>(std::move(socket), self, tls ? tls->current() : nullptr)
                ->start();
          }
        }
        self->accept();
      });
}

}  // namespace tse
