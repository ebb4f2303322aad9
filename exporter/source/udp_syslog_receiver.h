#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "source/listener_sink.h"

namespace tse {

/// The UDP transport of a syslog listener: one datagram, one syslog message, its origin the
/// sender plus the message's hostname and app-name. Asks the kernel for a receive buffer of
/// ListenerOptions::udp_receive_buffer and reports the datagrams the kernel dropped.
///
/// The listener's event loop thread only. The constructor throws boost::system::system_error
/// when it cannot bind.
class UdpSyslogReceiver : public std::enable_shared_from_this<UdpSyslogReceiver> {
 public:
  UdpSyslogReceiver(boost::asio::io_context& io, std::shared_ptr<ListenerSink> sink);

  void start() { receive(); }
  void stop();
  [[nodiscard]] unsigned short port() const;
  /// Hands the socket's kernel drop count to the sink.
  void read_kernel_drops();
  /// The receive buffer the kernel granted, in bytes (what it reports, halved: Linux doubles
  /// the value asked for, for its own overhead).
  [[nodiscard]] std::size_t receive_buffer() const;

 private:
  void receive();

  boost::asio::ip::udp::socket socket_;
  std::shared_ptr<ListenerSink> sink_;
  boost::asio::ip::udp::endpoint sender_;
  std::vector<char> buffer_;
};

}  // namespace tse
