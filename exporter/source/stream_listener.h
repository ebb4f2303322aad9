#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "metrics/self_metrics.h"
#include "source/file_tailer.h"

namespace tse {

/// One network source of T-Server log lines.
struct ListenerOptions {
  enum class Kind { kSyslogUdp, kSyslogTcp, kRawTcp };
  Kind kind = Kind::kRawTcp;
  std::string spec;   // the flag's value, the `listener` label of the self-metrics
  std::string host;   // empty: loopback
  unsigned short port = 0;
  std::string name;   // raw TCP: the tserver label when the stream has no header ("tcp")
  std::size_t max_message = 64 * 1024;
  std::size_t max_connections = 256;
  std::size_t max_origins = 64;  // distinct tserver labels; past it, messages are dropped
  std::chrono::milliseconds idle_flush{1000};
  std::chrono::seconds idle_timeout{300};  // a TCP connection silent this long is closed
};

/// Receives T-Server log lines over the network: raw lines over TCP (one stream per
/// connection), or syslog (RFC 5424 or 3164) over UDP or TCP (RFC 6587 octet counting or LF
/// framing, told apart per connection), where each message is one log line. Lines are
/// reassembled per origin (the connection or sender, plus the syslog hostname and app-name),
/// never across origins; an origin silent for --source.idle-flush gets its open record closed.
///
/// Runs on the io_context's thread. The constructor throws std::system_error when it cannot
/// bind; a bad client only loses its own connection.
class StreamListener {
 public:
  /// Makes the reader of a new origin, labelled `label` unless its stream has a header.
  using ReaderFactory = std::function<std::unique_ptr<StreamReader>(const std::string& label)>;

  StreamListener(boost::asio::io_context& io, ListenerOptions options, ReaderFactory make_reader,
                 SelfMetrics& metrics);
  ~StreamListener();
  StreamListener(const StreamListener&) = delete;
  StreamListener& operator=(const StreamListener&) = delete;

  /// The bound port (the real one when asked for port 0).
  [[nodiscard]] unsigned short port() const;

  void stop();

  /// Parses `udp://HOST:PORT` and `tcp://HOST:PORT` (syslog) or `HOST:PORT` / `NAME@HOST:PORT`
  /// (raw TCP). Throws std::invalid_argument with a one-line reason.
  static ListenerOptions parse(const std::string& value, bool syslog);

  class Impl;  // the implementation, shared with its connections

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tse
