#pragma once

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange under C++20

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "metrics/self_metrics.h"
#include "source/listener_sink.h"
#include "source/origin_table.h"

namespace tse {

/// Receives T-Server log lines over the network: raw lines over TCP (one stream per
/// connection), or syslog (RFC 5424 or 3164) over UDP or TCP (RFC 6587 octet counting or LF
/// framing, told apart per connection), where each message is one log line. Lines are
/// reassembled per origin (the connection or sender, plus the syslog hostname and app-name),
/// never across origins; an origin silent for --source.idle-flush gets its open record closed.
///
/// Joins a transport (UdpSyslogReceiver or TcpStreamServer) to a ListenerSink (the origins and
/// their caps) and sweeps the origins on a timer. Runs on the io_context's thread. The
/// constructor throws std::system_error when it cannot bind; a bad client only loses its own
/// connection. stop() (also run by the destructor) closes every connection and origin, their
/// open records counted.
class StreamListener {
 public:
  /// Makes the reader of a new origin, labelled `label` unless its stream has a header, whose
  /// own label it then submits to `admit`.
  using ReaderFactory = OriginTable::MakeReader;

  StreamListener(boost::asio::io_context& io, ListenerOptions options, ReaderFactory make_reader,
                 SelfMetrics& metrics);
  ~StreamListener();
  StreamListener(const StreamListener&) = delete;
  StreamListener& operator=(const StreamListener&) = delete;

  /// The bound port (the real one when asked for port 0).
  [[nodiscard]] unsigned short port() const;

  void stop();

  /// What the landing page shows of this listener: its source as configured, the origins held
  /// now, and the `max` heard from most recently (names from ListenerSink::describe_origin),
  /// the latest first.
  struct Origins {
    std::string spec;
    std::size_t held = 0;
    std::vector<OriginTable::Heard> recent;
  };
  [[nodiscard]] Origins origins(std::size_t max) const;

  /// Parses `udp://HOST:PORT`, `tcp://HOST:PORT` and `tls://HOST:PORT` (syslog; TLS is RFC
  /// 5425) or `[tls://][NAME@]HOST:PORT` (raw TCP). Pure: the configuration's validation calls
  /// it; a `tls` result needs a tls_server_config (--web.config.file), set in `tls_context`
  /// before the listener is made. Throws std::invalid_argument with a one-line reason.
  static ListenerOptions parse(const std::string& value, bool syslog);

  class Impl;  // the implementation, shared with its timer's handler

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tse
