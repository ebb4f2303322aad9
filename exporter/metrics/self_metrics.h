#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tse {

/// What a log stream has parsed so far, as plain running totals.
struct ParseTotals {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  std::uint64_t lines_too_long = 0;
  std::uint64_t lines_unrecognized = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t backup_copies = 0;
  std::uint64_t malformed = 0;
  std::uint64_t requests_evicted = 0;
  // Lines of known kinds that are never records (contract sections 1 and 6).
  std::uint64_t header_lines = 0;
  std::uint64_t sip_stack_lines = 0;
  std::uint64_t trigger_lines = 0;
  std::uint64_t sip_message_lines = 0;
  std::uint64_t stray_indented = 0;
  // Request durations (issue 14): answers whose duration could not be measured (the log's time
  // stepped back between request and answer), and the steps back themselves.
  std::uint64_t durations_skipped = 0;
  std::uint64_t clock_steps_back = 0;
};

/// The exporter's metrics about itself (`tserver_exporter_*`), all series created at start.
/// Updated from the event loop's thread; collected through prometheus-cpp from any thread.
class SelfMetrics {
 public:
  SelfMetrics(prometheus::Registry& registry, std::string_view version, std::string_view revision);

  /// Adds what a stream parsed since `published` and makes `published` equal to `now`.
  void publish(const ParseTotals& now, ParseTotals& published);

  /// A reload of the configuration (SIGHUP, POST /-/reload) was applied, or refused (the old
  /// configuration stays in force): sets the two config_last_reload gauges.
  void record_reload(bool success, std::chrono::system_clock::time_point now);

 private:
  // Families with a `reason` label; declared first so that the series below can be made from them.
  prometheus::Family<prometheus::Counter>& lines_skipped_;
  prometheus::Family<prometheus::Counter>& records_skipped_;
  prometheus::Family<prometheus::Counter>& file_errors_;
  prometheus::Family<prometheus::Counter>& http_dropped_;

 public:
  prometheus::Counter& bytes_read;
  prometheus::Counter& lines_read;
  prometheus::Counter& records_parsed;
  prometheus::Counter& lines_too_long;
  prometheus::Counter& lines_unrecognized;
  prometheus::Counter& duplicates_skipped;
  prometheus::Counter& backup_copies_skipped;
  prometheus::Counter& malformed_records;
  prometheus::Gauge& files_open;
  prometheus::Counter& files_opened;
  prometheus::Counter& binary_files;
  prometheus::Counter& open_errors;
  prometheus::Counter& read_errors;
  prometheus::Counter& scrapes;
  prometheus::Counter& rotations;
  prometheus::Counter& truncations;
  prometheus::Counter& state_writes;
  prometheus::Counter& state_write_failures;
  prometheus::Gauge& state_last_write;
  /// How long each state file write took (write, fsync, rename, fsync of the directory). A
  /// scrape shows nothing that is not on disk, so this delays what scrapes show.
  prometheus::Histogram& state_write_duration;
  prometheus::Counter& state_load_failures;
  prometheus::Counter& files_vanished;
  prometheus::Counter& requests_evicted;
  prometheus::Gauge& globs_unmatched;
  /// Bytes written to the followed files and not read yet, by glob: add one series per glob.
  prometheus::Family<prometheus::Gauge>& backlog_bytes;
  /// Per network listener (label `listener`): add one series per listener.
  prometheus::Family<prometheus::Counter>& listener_messages;
  prometheus::Family<prometheus::Counter>& listener_bytes;
  prometheus::Family<prometheus::Counter>& listener_connections;
  prometheus::Family<prometheus::Counter>& listener_framing_errors;
  prometheus::Family<prometheus::Counter>& listener_dropped;
  /// HTTP connections open, and those closed or refused for --web.max-connections (set from
  /// the HTTP thread).
  prometheus::Gauge& http_connections;
  prometheus::Counter& http_connections_evicted;
  prometheus::Counter& http_connections_refused;
  /// Starts that used the previous generation of the state file (the newest missing or corrupt).
  prometheus::Counter& state_fallbacks;
  /// Datagrams the kernel dropped on a UDP listener's socket (its receive buffer was full).
  prometheus::Family<prometheus::Counter>& listener_kernel_drops;
  /// Origins closed early to make room for a new one (over the limit of origins).
  prometheus::Family<prometheus::Counter>& listener_origins_evicted;
  /// Origins (connections or senders, with hostname and app-name) held now.
  prometheus::Family<prometheus::Gauge>& listener_origins;
  // The file source (file_errors_total reasons not_regular and scan; the descriptor budget).
  prometheus::Counter& not_regular_files;
  prometheus::Counter& scan_errors;
  prometheus::Gauge& files_waiting;
  prometheus::Counter& files_parked;
  /// Files not read at the last scan because they belong to more log streams than
  /// --source.max-streams.
  prometheus::Gauge& files_refused;
  /// The web configuration (--web.config.file). TLS handshakes that failed or timed out, by
  /// server (`http`, or a listener's name); certificate re-reads that failed (the old one kept);
  /// HTTP requests answered 401 and 429; verified credentials dropped from the bounded cache.
  prometheus::Family<prometheus::Counter>& tls_handshake_failures;
  prometheus::Counter& http_tls_handshake_failures;
  prometheus::Counter& tls_certificate_reload_failures;
  prometheus::Counter& http_unauthorized;
  prometheus::Counter& http_rate_limited;
  prometheus::Counter& http_auth_cache_dropped;
  /// Whether the last configuration reload was applied (1 from the start, as Prometheus's own
  /// prometheus_config_last_reload_successful), and when the last one that was applied, or the
  /// start, happened (seconds since the epoch).
  prometheus::Gauge& config_last_reload_successful;
  prometheus::Gauge& config_last_reload_success_timestamp;
  /// Requests answered 503 because the password checks waiting for bcrypt were at their cap.
  prometheus::Counter& http_auth_checks_dropped;
  /// Lines of a known kind that are never records, by kind (`lines_ignored_total{kind}`).
  prometheus::Family<prometheus::Counter>& lines_ignored;
  prometheus::Counter& header_lines;
  prometheus::Counter& sip_stack_lines;
  prometheus::Counter& trigger_lines;
  prometheus::Counter& sip_message_lines;
  prometheus::Counter& stray_indented_lines;
  prometheus::Counter& durations_skipped;
  prometheus::Counter& log_time_steps_back;
};

}  // namespace tse
