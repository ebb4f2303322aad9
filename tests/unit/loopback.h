// Real clients of a server under test, on 127.0.0.1. Shared by the unit tests that bind port 0
// (the HTTP server, the network listeners). Blocking Asio sockets, each on an io_context of its
// own, so that the same tests run on Linux and on Windows (under wine in CI).
#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

namespace tse::test {

/// How one read from a Client ended.
enum class Received {
  kData,     // some bytes, appended
  kEnd,      // the server ended the stream (recv returned 0)
  kReset,    // the server reset the connection
  kError,    // any other failure
  kTimeout,  // nothing within the time given
};

/// A TCP connection to 127.0.0.1:port, closed when destroyed. Neither copied nor moved (Asio's
/// socket must not outlive its io_context): keep several in a std::deque.
class Client {
 public:
  /// Connects at once; connected() says whether it could. A `receive_buffer` other than 0 is set
  /// as SO_RCVBUF before connecting: a client that takes little at a time.
  explicit Client(unsigned short port, int receive_buffer = 0) {
    boost::system::error_code ec;
    socket_.open(boost::asio::ip::tcp::v4(), ec);
    if (!ec && receive_buffer != 0) {
      socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    if (!ec) {
      socket_.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
    }
    connected_ = !ec;
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  /// Sends all of `bytes`; false if the connection failed first. A reset connection is an
  /// error, never a SIGPIPE: Asio sends with MSG_NOSIGNAL on Linux; Windows has no signal.
  bool send(std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

  /// One read, waiting as long as it takes; what came is appended to `into`.
  Received receive(std::string& into) {
    char buf[4096];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buf), ec);
    return ended(ec, buf, n, into);
  }

  /// One read, waiting at most `timeout` (kTimeout then, and nothing read).
  Received receive(std::string& into, std::chrono::milliseconds timeout) {
    char buf[4096];
    std::optional<std::pair<boost::system::error_code, std::size_t>> result;
    socket_.async_read_some(boost::asio::buffer(buf),
                            [&result](auto ec, std::size_t n) { result.emplace(ec, n); });
    io_.restart();
    io_.run_for(timeout);
    if (!result) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      io_.run();  // the handler runs, aborted (or with what came meanwhile)
    }
    if (result->first == boost::asio::error::operation_aborted) return Received::kTimeout;
    return ended(result->first, buf, result->second, into);
  }

  /// Everything the server sends until it ends the stream or the connection fails.
  std::string receive_all() {
    std::string all;
    while (receive(all) == Received::kData) {
    }
    return all;
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  static Received ended(const boost::system::error_code& ec, const char* buf, std::size_t n,
                        std::string& into) {
    if (!ec) {
      into.append(buf, n);
      return Received::kData;
    }
    if (ec == boost::asio::error::eof) return Received::kEnd;
    if (ec == boost::asio::error::connection_reset) return Received::kReset;
    return Received::kError;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  bool connected_ = false;
};

/// A UDP socket that sends datagrams to 127.0.0.1: one sender, one source address and port.
class DatagramSender {
 public:
  DatagramSender() { socket_.open(boost::asio::ip::udp::v4()); }

  /// Sends `bytes` as one datagram to 127.0.0.1:port; the number of bytes sent, 0 on error.
  std::size_t send_to(unsigned short port, std::string_view bytes) {
    boost::system::error_code ec;
    const std::size_t n = socket_.send_to(boost::asio::buffer(bytes.data(), bytes.size()),
                                          {boost::asio::ip::address_v4::loopback(), port}, 0, ec);
    return ec ? 0 : n;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::udp::socket socket_{io_};
};

}  // namespace tse::test
