#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "logging/rate_limiter.h"
#include "metrics/self_metrics.h"
#include "source/origin_table.h"

namespace tse {

/// One network source of T-Server log lines.
class TlsContextSource;

struct ListenerOptions {
  enum class Kind { kSyslogUdp, kSyslogTcp, kRawTcp };
  Kind kind = Kind::kRawTcp;
  /// `tls://`: the TCP stream is TLS (RFC 5425 for syslog), with the web configuration's
  /// tls_server_config, which `tls_context` then holds.
  bool tls = false;
  std::shared_ptr<TlsContextSource> tls_context;
  std::string spec;  // the flag's value, the `listener` label of the self-metrics
  std::string host;  // empty: loopback
  unsigned short port = 0;
  std::string name;  // raw TCP: the tserver label when the stream has no header ("tcp")
  std::size_t max_message = 64 * 1024;  // also the longest line an origin holds unterminated
  std::size_t max_connections = 256;
  std::size_t max_tservers = 64;              // distinct tserver labels; past it, lines are dropped
  std::size_t max_origins = 1024;             // origins held; past it, the longest silent is closed
  std::size_t udp_receive_buffer = 4u << 20;  // SO_RCVBUF asked for a UDP socket
  std::chrono::milliseconds idle_flush{1000};
  std::chrono::seconds idle_timeout{300};  // a TCP connection silent this long is closed

  /// The address to bind: `host`, else loopback (never every interface unless asked).
  [[nodiscard]] std::string bind_host() const { return host.empty() ? "127.0.0.1" : host; }
};

/// Where a listener's transports deliver what they receive: syslog frames or raw stream bytes,
/// each under an origin key. Turns them into lines for the origins' readers (through the
/// OriginTable and its caps) and keeps the listener's self-metrics and rate-limited warnings.
///
/// The listener's event loop thread only.
class ListenerSink {
 public:
  using Clock = OriginTable::Clock;

  ListenerSink(const ListenerOptions& options, OriginTable::MakeReader make_reader,
               SelfMetrics& metrics);

  /// A syslog frame from `peer` (a connection name or a UDP sender): its message is one line
  /// of the origin's log.
  void deliver_syslog(std::string_view frame, const std::string& peer);
  /// Raw bytes of the TCP stream `connection`: the reader frames the lines itself.
  void deliver_raw(std::string_view bytes, const std::string& connection);
  /// The end of a connection: its origins' open records are closed and counted.
  void close_connection(const std::string& connection);
  /// The listener stops: every open record is closed and counted.
  void close_all();
  /// Idle flush (and, for UDP, forgetting senders silent for long).
  void sweep(Clock::time_point now);

  void framing_error(const std::string& what);
  /// A TLS connection closed before or during its handshake (failed, timed out, not TLS).
  void tls_handshake_failed(const std::string& what);
  /// A TCP connection refused over the limit.
  void connection_refused();
  void connection_accepted() { connections_.Increment(); }
  /// The socket's kernel drop count (cumulative, as the kernel keeps it).
  void kernel_drops(std::uint64_t total);
  void warn(const std::string& message);

  [[nodiscard]] const ListenerOptions& options() const { return options_; }
  [[nodiscard]] const OriginTable& origins() const { return table_; }
  /// An origin's key as a person reads it: `PEER` (a raw TCP connection, `#N ADDRESS:PORT`), or
  /// `PEER host HOSTNAME app APP-NAME` (syslog; what the message leaves out is left out).
  static std::string describe_origin(std::string_view key);

 private:
  // Feeds `bytes` (`lines` lines) to the origin `key`, or drops and counts them.
  template <class Feed>
  void to_origin(const std::string& key, std::string_view label, std::uint64_t lines, Feed feed);
  void publish_table();

  ListenerOptions options_;
  OriginTable table_;
  std::string line_;  // a syslog message and its LF, fed at once: no partial line is held
  RateLimiter limiter_;
  RateLimiter refused_limiter_;
  std::uint64_t refused_seen_ = 0;
  std::uint64_t evicted_seen_ = 0;
  std::uint64_t kernel_drops_seen_ = 0;
  prometheus::Counter& messages_;
  prometheus::Counter& bytes_;
  prometheus::Counter& connections_;
  prometheus::Counter& framing_errors_;
  prometheus::Counter& dropped_;
  prometheus::Counter& kernel_drops_;
  prometheus::Counter& evicted_;
  prometheus::Gauge& origins_open_;
  prometheus::Counter* tls_failures_ = nullptr;  // a TLS listener's only
};

}  // namespace tse
