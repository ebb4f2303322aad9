#include "source/stream_listener.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "logging/rate_limiter.h"
#include "net/host_port.h"
#include "source/syslog_message.h"

namespace tse {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;

constexpr auto kSweep = std::chrono::milliseconds(100);
constexpr auto kForgetOrigin = std::chrono::minutes(10);  // a silent UDP origin is let go

}  // namespace

class StreamListener::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, ListenerOptions options, ReaderFactory make_reader,
       SelfMetrics& metrics)
      : options_(std::move(options)),
        make_reader_(std::move(make_reader)),
        udp_(io),
        acceptor_(io),
        sweep_(io),
        messages_(metrics.listener_messages.Add({{"listener", options_.spec}})),
        bytes_(metrics.listener_bytes.Add({{"listener", options_.spec}})),
        connections_(metrics.listener_connections.Add({{"listener", options_.spec}})),
        framing_errors_(metrics.listener_framing_errors.Add({{"listener", options_.spec}})),
        dropped_(metrics.listener_dropped.Add({{"listener", options_.spec}})) {
    const auto address = asio::ip::make_address(options_.host.empty() ? "127.0.0.1" : options_.host);
    if (options_.kind == ListenerOptions::Kind::kSyslogUdp) {
      const udp::endpoint endpoint(address, options_.port);
      udp_.open(endpoint.protocol());
      udp_.bind(endpoint);
    } else {
      const tcp::endpoint endpoint(address, options_.port);
      acceptor_.open(endpoint.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      acceptor_.bind(endpoint);
      acceptor_.listen(asio::socket_base::max_listen_connections);
    }
  }

  void start() {
    if (options_.kind == ListenerOptions::Kind::kSyslogUdp) {
      receive();
    } else {
      accept();
    }
    sweep();
  }

  void stop() {
    boost::system::error_code ignored;
    udp_.close(ignored);
    acceptor_.close(ignored);
    sweep_.cancel();
    for (auto& [id, close] : open_) close();
  }

  unsigned short port() const {
    return options_.kind == ListenerOptions::Kind::kSyslogUdp ? udp_.local_endpoint().port()
                                                             : acceptor_.local_endpoint().port();
  }

  // A syslog frame from `peer`: its message is one line of the origin's log.
  void deliver_syslog(std::string_view frame, const std::string& peer) {
    bytes_.Increment(static_cast<double>(frame.size()));
    const auto message = parse_syslog(frame);
    if (!message) {
      framing_errors_.Increment();
      warn("a message that is not syslog (RFC 5424 or 3164) from " + peer);
      return;
    }
    const auto named = [](std::string_view v) { return !v.empty() && v != "-"; };
    const std::string label(named(message->app_name)   ? message->app_name
                            : named(message->hostname) ? message->hostname
                                                       : std::string_view("syslog"));
    std::string key = peer;
    key += '\n';
    key += message->hostname;
    key += '\n';
    key += message->app_name;
    StreamReader* reader = origin(key, label);
    if (reader == nullptr) return;
    messages_.Increment();
    reader->feed(message->message);
    reader->feed("\n");
  }

  // Raw bytes of a TCP stream: the reader frames the lines itself.
  void deliver_raw(std::string_view bytes, const std::string& connection) {
    bytes_.Increment(static_cast<double>(bytes.size()));
    StreamReader* reader =
        origin(connection, options_.name.empty() ? std::string("tcp") : options_.name);
    if (reader == nullptr) return;
    messages_.Increment(static_cast<double>(std::count(bytes.begin(), bytes.end(), '\n')));
    reader->feed(bytes);
  }

  // The end of a connection: its origins' open records are closed and counted.
  void close_origins(const std::string& connection) {
    for (auto it = origins_.begin(); it != origins_.end();) {
      if (it->first == connection || it->first.starts_with(connection + '\n')) {
        it->second.reader->finish();
        it = origins_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void framing_error(const std::string& what) {
    framing_errors_.Increment();
    warn(what);
  }

  const ListenerOptions& options() const { return options_; }
  std::map<std::uint64_t, std::function<void()>>& open() { return open_; }
  std::uint64_t next_id() { return ++ids_; }

 private:
  struct Origin {
    std::unique_ptr<StreamReader> reader;
    Clock::time_point last;
    bool quiet = true;  // idle() already told
  };

  StreamReader* origin(const std::string& key, const std::string& label) {
    auto it = origins_.find(key);
    if (it == origins_.end()) {
      if (!labels_.contains(label)) {
        if (labels_.size() >= options_.max_origins) {
          dropped_.Increment();
          warn("over " + std::to_string(options_.max_origins) + " T-Servers on " + options_.spec +
               ": dropping the lines of \"" + label + "\"");
          return nullptr;
        }
        labels_.insert(label);
      }
      auto reader = make_reader_(label);
      reader->begin_segment(SegmentBegin{.path = label});
      it = origins_.emplace(key, Origin{std::move(reader), Clock::now(), true}).first;
    }
    it->second.last = Clock::now();
    it->second.quiet = false;
    return it->second.reader.get();
  }

  void warn(const std::string& message) {
    if (limiter_.allow()) spdlog::warn("{}: {}", options_.spec, message);
  }

  void receive() {
    buffer_.resize(options_.max_message + 1);
    udp_.async_receive_from(
        asio::buffer(buffer_), sender_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          if (ec == asio::error::operation_aborted || !self->udp_.is_open()) return;
          if (!ec) {
            if (n > self->options_.max_message) {
              self->framing_error("a message over " + std::to_string(self->options_.max_message) +
                                  " bytes");
            } else {
              const std::string peer =
                  self->sender_.address().to_string() + ":" + std::to_string(self->sender_.port());
              self->deliver_syslog(std::string_view(self->buffer_.data(), n), peer);
            }
          }
          self->receive();
        });
  }

  void accept();

  void sweep() {
    sweep_.expires_after(kSweep);
    sweep_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = Clock::now();
      for (auto it = self->origins_.begin(); it != self->origins_.end();) {
        Origin& origin = it->second;
        if (!origin.quiet && now - origin.last >= self->options_.idle_flush) {
          origin.reader->idle();
          origin.quiet = true;
        }
        if (self->options_.kind == ListenerOptions::Kind::kSyslogUdp &&
            now - origin.last >= kForgetOrigin) {
          origin.reader->finish();
          it = self->origins_.erase(it);
        } else {
          ++it;
        }
      }
      self->sweep();
    });
  }

  ListenerOptions options_;
  ReaderFactory make_reader_;
  udp::socket udp_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_;
  udp::endpoint sender_;
  std::vector<char> buffer_;
  std::map<std::string, Origin> origins_;
  std::set<std::string> labels_;
  std::map<std::uint64_t, std::function<void()>> open_;  // connection id -> close it
  std::uint64_t ids_ = 0;
  RateLimiter limiter_;
  prometheus::Counter& messages_;
  prometheus::Counter& bytes_;
  prometheus::Counter& connections_;
  prometheus::Counter& framing_errors_;
  prometheus::Counter& dropped_;
};

namespace {

// One TCP connection: raw lines, or syslog frames.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<StreamListener::Impl> listener)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        listener_(std::move(listener)),
        framer_(listener_->options().max_message),
        id_(listener_->next_id()) {
    boost::system::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    name_ = "#" + std::to_string(id_) + " " +
            (ec ? std::string("?") : peer.address().to_string() + ":" + std::to_string(peer.port()));
  }

  void start() {
    listener_->open()[id_] = [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->close();
    };
    read();
  }

 private:
  void read() {
    timer_.expires_after(listener_->options().idle_timeout);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->close();
    });
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                       const boost::system::error_code& ec,
                                                       std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    if (n > 0) {
      const std::string_view bytes(buffer_.data(), n);
      if (listener_->options().kind == ListenerOptions::Kind::kRawTcp) {
        listener_->deliver_raw(bytes, name_);
      } else {
        const std::size_t oversize = framer_.oversize();
        const bool ok = framer_.feed(
            bytes, [this](std::string_view frame) { listener_->deliver_syslog(frame, name_); });
        if (framer_.oversize() > oversize) {
          listener_->framing_error("a message over the size limit from " + name_);
        }
        if (!ok) {
          listener_->framing_error("a bad octet count from " + name_ + "; closing it");
          close();
          return;
        }
      }
    }
    if (ec) {
      close();
      return;
    }
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    listener_->close_origins(name_);
    listener_->open().erase(id_);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<StreamListener::Impl> listener_;
  SyslogFramer framer_;
  std::uint64_t id_;
  std::string name_;
  std::array<char, 65536> buffer_{};
  bool closed_ = false;
};

}  // namespace

void StreamListener::Impl::accept() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                     tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      if (self->open_.size() >= self->options_.max_connections) {
        self->dropped_.Increment();
        self->warn("over " + std::to_string(self->options_.max_connections) +
                   " connections: refusing one");
      } else {
        self->connections_.Increment();
        std::make_shared<Connection>(std::move(socket), self)->start();
      }
    }
    self->accept();
  });
}

StreamListener::StreamListener(asio::io_context& io, ListenerOptions options,
                               ReaderFactory make_reader, SelfMetrics& metrics) {
  const std::string spec = options.spec;
  try {
    impl_ = std::make_shared<Impl>(io, std::move(options), std::move(make_reader), metrics);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + spec);
  }
  impl_->start();
}

StreamListener::~StreamListener() { stop(); }

unsigned short StreamListener::port() const { return impl_->port(); }

void StreamListener::stop() {
  if (impl_) impl_->stop();
}

ListenerOptions StreamListener::parse(const std::string& value, bool syslog) {
  ListenerOptions options;
  options.spec = value;
  std::string rest = value;
  if (syslog) {
    if (rest.starts_with("udp://")) {
      options.kind = ListenerOptions::Kind::kSyslogUdp;
    } else if (rest.starts_with("tcp://")) {
      options.kind = ListenerOptions::Kind::kSyslogTcp;
    } else {
      throw std::invalid_argument("--source.syslog takes udp://HOST:PORT or tcp://HOST:PORT (got \"" +
                                  value + "\")");
    }
    rest = rest.substr(6);
  } else {
    options.kind = ListenerOptions::Kind::kRawTcp;
    if (const std::size_t at = rest.find('@'); at != std::string::npos) {
      options.name = rest.substr(0, at);
      rest = rest.substr(at + 1);
    }
  }
  HostPort split = split_host_port(rest, "\"" + value + "\"");
  options.host = std::move(split.host);
  options.port = split.port;
  boost::system::error_code ec;
  if (!options.host.empty()) asio::ip::make_address(options.host, ec);
  if (ec) throw std::invalid_argument("\"" + value + "\": \"" + options.host + "\" is no IP address");
  return options;
}

}  // namespace tse
