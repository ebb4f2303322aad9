#include "source/stream_listener.h"

#include <stdexcept>
#include <system_error>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/host_port.h"
#include "net/ip_address.h"
#include "source/tcp_stream_server.h"
#include "source/udp_syslog_receiver.h"

namespace tse {
namespace {

namespace asio = boost::asio;

constexpr auto kSweep = std::chrono::milliseconds(100);

}  // namespace

class StreamListener::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, const ListenerOptions& options, ReaderFactory make_reader,
       SelfMetrics& metrics)
      : sink_(std::make_shared<ListenerSink>(options, std::move(make_reader), metrics)),
        sweep_(io) {
    if (options.kind == ListenerOptions::Kind::kSyslogUdp) {
      udp_ = std::make_shared<UdpSyslogReceiver>(io, sink_);
    } else {
      tcp_ = std::make_shared<TcpStreamServer>(io, sink_);
    }
  }

  void start() {
    if (udp_) udp_->start();
    if (tcp_) tcp_->start();
    sweep();
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    sweep_.cancel();
    if (udp_) udp_->stop();
    if (tcp_) tcp_->stop();
    sink_->close_all();
  }

  unsigned short port() const { return udp_ ? udp_->port() : tcp_->port(); }

  Origins origins(std::size_t max) const {
    Origins out{.spec = sink_->options().spec,
                .held = sink_->origins().size(),
                .recent = sink_->origins().recent(max)};
    for (auto& heard : out.recent) heard.key = ListenerSink::describe_origin(heard.key);
    return out;
  }

 private:
  void sweep() {
    sweep_.expires_after(kSweep);
    sweep_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped_) return;
      self->sink_->sweep(ListenerSink::Clock::now());
      if (self->udp_) self->udp_->read_kernel_drops();
      self->sweep();
    });
  }

  std::shared_ptr<ListenerSink> sink_;
  std::shared_ptr<UdpSyslogReceiver> udp_;
  std::shared_ptr<TcpStreamServer> tcp_;
  asio::steady_timer sweep_;
  bool stopped_ = false;
};

StreamListener::StreamListener(asio::io_context& io, ListenerOptions options,
                               ReaderFactory make_reader, SelfMetrics& metrics) {
  try {
    impl_ = std::make_shared<Impl>(io, options, std::move(make_reader), metrics);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), "cannot listen on " + options.spec);
  }
  impl_->start();
}

StreamListener::~StreamListener() { stop(); }

unsigned short StreamListener::port() const { return impl_->port(); }

StreamListener::Origins StreamListener::origins(std::size_t max) const {
  return impl_->origins(max);
}

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
    } else if (rest.starts_with("tls://")) {  // RFC 5425
      options.kind = ListenerOptions::Kind::kSyslogTcp;
      options.tls = true;
    } else {
      throw std::invalid_argument(
          "--source.syslog takes udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (got \"" +
          value + "\")");
    }
    rest = rest.substr(6);
  } else {
    options.kind = ListenerOptions::Kind::kRawTcp;
    if (rest.starts_with("tls://")) {
      options.tls = true;
      rest = rest.substr(6);
    }
    if (const std::size_t at = rest.find('@'); at != std::string::npos) {
      options.name = rest.substr(0, at);
      rest = rest.substr(at + 1);
    }
  }
  HostPort split = split_host_port(rest, "\"" + value + "\"");
  options.host = std::move(split.host);
  options.port = split.port;
  if (!options.host.empty() && !net::parse_ip_address(options.host))
    throw std::invalid_argument("\"" + value + "\": \"" + options.host + "\" is no IP address");
  return options;
}

}  // namespace tse
