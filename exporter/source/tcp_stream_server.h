#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <cstdint>
#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection_set.h"
#include "source/listener_sink.h"

namespace tse {

class TcpConnection;

/// The TCP transport of a listener: accepts up to ListenerOptions::max_connections
/// connections, each one stream of raw T-Server lines (kRawTcp) or of syslog frames (kSyslogTcp,
/// RFC 6587 octet counting or LF framing, told apart per connection). A connection silent for
/// the idle timeout, or with a bad octet count, is closed; closing one closes its origins.
///
/// The listener's event loop thread only. The constructor throws boost::system::system_error
/// when it cannot bind; stop() closes every connection, whatever they are doing.
class TcpStreamServer : public std::enable_shared_from_this<TcpStreamServer> {
 public:
  TcpStreamServer(boost::asio::io_context& io, std::shared_ptr<ListenerSink> sink);
  ~TcpStreamServer();

  void start() { accept(); }
  void stop();
  [[nodiscard]] unsigned short port() const;
  [[nodiscard]] std::size_t open_connections() const { return connections_.size(); }

  /// A connection that ended by itself (peer closed, error, timeout, bad framing).
  void ended(ConnectionSet::Id id, const std::shared_ptr<TcpConnection>& connection);
  ConnectionSet& connections() { return connections_; }
  ListenerSink& sink() { return *sink_; }
  std::uint64_t next_id() { return ++ids_; }

 private:
  void accept();

  static constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_{acceptor_.get_executor()};
  std::shared_ptr<ListenerSink> sink_;
  ConnectionSet connections_;
  std::uint64_t ids_ = 0;
};

}  // namespace tse
