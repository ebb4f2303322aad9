#include "source/udp_syslog_receiver.h"

#if defined(__linux__)
#include <linux/sock_diag.h>
#include <sys/socket.h>
#endif

#include <array>
#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

namespace tse {

namespace asio = boost::asio;
using udp = asio::ip::udp;

UdpSyslogReceiver::UdpSyslogReceiver(asio::io_context& io, std::shared_ptr<ListenerSink> sink)
    : socket_(io), sink_(std::move(sink)) {
  const ListenerOptions& options = sink_->options();
  const udp::endpoint endpoint(asio::ip::make_address(options.bind_host()), options.port);
  socket_.open(endpoint.protocol());
  // Bursts wait here while the loop is busy; the kernel caps the size at net.core.rmem_max.
  const int asked = static_cast<int>(std::min<std::size_t>(options.udp_receive_buffer, 1u << 30));
  socket_.set_option(asio::socket_base::receive_buffer_size(asked));
  socket_.bind(endpoint);
  if (receive_buffer() < options.udp_receive_buffer) {
    spdlog::warn(
        "{}: asked for a UDP receive buffer of {} bytes, the kernel granted {}: raise "
        "net.core.rmem_max (sysctl) to at least {} so that bursts are not dropped",
        options.spec, options.udp_receive_buffer, receive_buffer(), options.udp_receive_buffer);
  }
}

std::size_t UdpSyslogReceiver::receive_buffer() const {
  asio::socket_base::receive_buffer_size granted;
  boost::system::error_code ec;
  socket_.get_option(granted, ec);
  return ec ? 0 : static_cast<std::size_t>(granted.value()) / 2;
}

void UdpSyslogReceiver::stop() {
  read_kernel_drops();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

unsigned short UdpSyslogReceiver::port() const { return socket_.local_endpoint().port(); }

// SO_MEMINFO reads the socket's drop count at any moment. (SO_RXQ_OVFL stamps the count on a
// datagram as it is queued, so drops after the last queued datagram of a burst would show only
// when another datagram comes; /proc/net/udp needs the socket's inode and a parse of a table.)
void UdpSyslogReceiver::read_kernel_drops() {
#if defined(SO_MEMINFO)
  if (!socket_.is_open()) return;
  std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
  socklen_t size = sizeof info;
  if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_MEMINFO, info.data(), &size) != 0 ||
      size <= SK_MEMINFO_DROPS * sizeof(std::uint32_t)) {
    return;
  }
  sink_->kernel_drops(info[SK_MEMINFO_DROPS]);
#endif  // elsewhere (Windows) the kernel tells no drop count: the metric stays 0
}

void UdpSyslogReceiver::receive() {
  buffer_.resize(sink_->options().max_message + 1);
  socket_.async_receive_from(
      asio::buffer(buffer_), sender_,
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || !self->socket_.is_open()) return;
        if (!ec) {
          const std::size_t max = self->sink_->options().max_message;
          if (n > max) {
            self->sink_->framing_error("a message over " + std::to_string(max) + " bytes");
          } else {
            const std::string peer =
                self->sender_.address().to_string() + ":" + std::to_string(self->sender_.port());
            self->sink_->deliver_syslog(std::string_view(self->buffer_.data(), n), peer);
          }
        }
        self->receive();
      });
}

}  // namespace tse
