#include "metrics/self_metrics.h"

#include <string>

namespace tse {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const std::string& name,
                                                        const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

void add_delta(prometheus::Counter& counter, std::uint64_t now, std::uint64_t& published) {
  if (now > published) counter.Increment(static_cast<double>(now - published));
  published = now;
}

}  // namespace

// Every series is created here, so that each exists (at 0) from the first scrape.
SelfMetrics::SelfMetrics(prometheus::Registry& registry, std::string_view version,
                         std::string_view revision)
    : lines_skipped_(counter_family(registry, "tserver_exporter_lines_skipped_total",
                                    "Lines skipped, by reason: too_long (over the line limit), "
                                    "unrecognized (a column-0 line of no known kind; see "
                                    "tserver_exporter_lines_ignored_total).")),
      records_skipped_(counter_family(registry, "tserver_exporter_records_skipped_total",
                                      "Records not counted, by reason: duplicate (an EventError "
                                      "repeated with the same sequence number), backup_copy (a "
                                      "[BSYNC] copy sent to the backup T-Server).")),
      file_errors_(counter_family(registry, "tserver_exporter_file_errors_total",
                                  "Log file problems, by reason: binary (not a text log; "
                                  "skipped), open and read (retried at the next poll), "
                                  "not_regular (a FIFO or device where a log was: never "
                                  "opened), scan (a directory or file that could not be looked "
                                  "at; nothing is taken for gone).")),
      http_dropped_(counter_family(
          registry, "tserver_exporter_http_connections_dropped_total",
          "HTTP connections ended for --web.max-connections, by reason: evicted (the one idle "
          "longest, closed to let a new one in), refused (a new one when every open one was busy "
          "answering).")),
      bytes_read(
          counter(registry, "tserver_exporter_bytes_read_total", "Bytes of T-Server log read.")),
      lines_read(
          counter(registry, "tserver_exporter_lines_read_total", "Lines of T-Server log read.")),
      records_parsed(counter(registry, "tserver_exporter_records_parsed_total",
                             "Standard records and TLib message dumps parsed.")),
      lines_too_long(lines_skipped_.Add({{"reason", "too_long"}})),
      lines_unrecognized(lines_skipped_.Add({{"reason", "unrecognized"}})),
      duplicates_skipped(records_skipped_.Add({{"reason", "duplicate"}})),
      backup_copies_skipped(records_skipped_.Add({{"reason", "backup_copy"}})),
      malformed_records(counter(registry, "tserver_exporter_malformed_records_total",
                                "EventError dumps with a missing or malformed AttributeErrorCode "
                                "(counted with error_code=\"unknown\").")),
      files_open(gauge(registry, "tserver_exporter_files_open", "Log files open for reading.")),
      files_opened(counter(registry, "tserver_exporter_files_opened_total",
                           "Log files opened for reading.")),
      binary_files(file_errors_.Add({{"reason", "binary"}})),
      open_errors(file_errors_.Add({{"reason", "open"}})),
      read_errors(file_errors_.Add({{"reason", "read"}})),
      scrapes(
          counter(registry, "tserver_exporter_scrapes_total", "Requests for the metrics served.")),
      rotations(counter(registry, "tserver_exporter_rotations_total",
                        "Log files read to their end and let go for a newer one.")),
      truncations(counter(registry, "tserver_exporter_truncations_total",
                          "Log files found shorter than what was read, or rewritten (their first "
                          "bytes changed): read again from byte 0.")),
      state_writes(counter(registry, "tserver_exporter_state_writes_total",
                           "State file writes that reached the disk.")),
      state_write_failures(counter(registry, "tserver_exporter_state_write_failures_total",
                                   "State file writes that failed (counting goes on).")),
      state_last_write(gauge(registry, "tserver_exporter_state_last_write_timestamp_seconds",
                             "When the state file was last written, in seconds since the "
                             "epoch; 0 before the first write.")),
      state_write_duration(
          prometheus::BuildHistogram()
              .Name("tserver_exporter_state_write_duration_seconds")
              .Help("Time taken by each state file write, synced to disk; a scrape waits for it "
                    "when it has counts the disk does not have yet.")
              .Register(registry)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      state_load_failures(counter(registry, "tserver_exporter_state_load_failures_total",
                                  "State files found unusable at start (corrupt, truncated or "
                                  "foreign): the previous generation was used, else the "
                                  "exporter started clean.")),
      files_vanished(counter(registry, "tserver_exporter_files_vanished_total",
                             "Followed files whose name disappeared (deleted or renamed away); "
                             "what was written to them before is still read.")),
      requests_evicted(counter(registry, "tserver_exporter_pending_requests_evicted_total",
                               "Client requests forgotten unanswered (over 4096 pending, or "
                               "16384 requests old): an error answering one later counts as "
                               "request=\"unknown\".")),
      globs_unmatched(gauge(registry, "tserver_exporter_globs_unmatched",
                            "--source.file globs that match no file at the last poll.")),
      backlog_bytes(prometheus::BuildGauge()
                        .Name("tserver_exporter_backlog_bytes")
                        .Help("Bytes in the followed files not read yet, by --source.file glob.")
                        .Register(registry)),
      listener_messages(counter_family(
          registry, "tserver_exporter_listener_messages_total",
          "Log lines received by a network listener (with those then dropped over its limits).")),
      listener_bytes(counter_family(registry, "tserver_exporter_listener_bytes_total",
                                    "Bytes received by a network listener.")),
      listener_connections(counter_family(registry, "tserver_exporter_listener_connections_total",
                                          "TCP connections accepted by a network listener.")),
      listener_framing_errors(counter_family(
          registry, "tserver_exporter_listener_framing_errors_total",
          "Messages a network listener skipped: not syslog, over the size limit, a bad octet "
          "count.")),
      listener_dropped(counter_family(registry, "tserver_exporter_listener_dropped_total",
                                      "Connections refused (over the limit) and messages dropped "
                                      "(over the limit of T-Servers) by a network listener.")),
      http_connections(gauge(registry, "tserver_exporter_http_connections",
                             "HTTP connections open (at most --web.max-connections).")),
      http_connections_evicted(http_dropped_.Add({{"reason", "evicted"}})),
      http_connections_refused(http_dropped_.Add({{"reason", "refused"}})),
      state_fallbacks(counter(registry, "tserver_exporter_state_fallbacks_total",
                              "Starts that restored the previous generation of the state file "
                              "(tserver_exporter.state.1) because the newest was missing or "
                              "corrupt.")),
      listener_kernel_drops(counter_family(
          registry, "tserver_exporter_listener_kernel_drops_total",
          "Datagrams the kernel dropped before a UDP listener read them (its receive buffer was "
          "full; see --source.udp-receive-buffer).")),
      listener_origins_evicted(counter_family(
          registry, "tserver_exporter_listener_origins_evicted_total",
          "Origins a network listener closed early (their open record counted) to make room "
          "for a new one, over --source.max-origins.")),
      listener_origins(prometheus::BuildGauge()
                           .Name("tserver_exporter_listener_origins")
                           .Help("Origins (TCP connections or UDP senders, with the syslog "
                                 "hostname and app-name) a network listener holds.")
                           .Register(registry)),
      // The file source's descriptor budget and the files it will not open.
      not_regular_files(file_errors_.Add({{"reason", "not_regular"}})),
      scan_errors(file_errors_.Add({{"reason", "scan"}})),
      files_waiting(gauge(registry, "tserver_exporter_files_waiting",
                          "Followed files with bytes to read that wait for a descriptor "
                          "(over --source.max-open-files); read in turn.")),
      files_parked(counter(registry, "tserver_exporter_files_parked_total",
                           "Followed files read to their end whose descriptor was closed to "
                           "stay within --source.max-open-files; reopened when they grow.")),
      files_refused(gauge(registry, "tserver_exporter_files_refused",
                          "Matching files not read at the last scan: they belong to more log "
                          "streams than --source.max-streams.")),
      tls_handshake_failures(prometheus::BuildCounter()
                                 .Name("tserver_exporter_tls_handshake_failures_total")
                                 .Help("TLS connections closed before or during their handshake "
                                       "(failed, timed out, or plain text to a TLS port), by "
                                       "server: http or a listener's name.")
                                 .Register(registry)),
      http_tls_handshake_failures(tls_handshake_failures.Add({{"server", "http"}})),
      tls_certificate_reload_failures(
          counter(registry, "tserver_exporter_tls_certificate_reload_failures_total",
                  "Re-reads of the TLS certificate, key or client CAs (their files changed) that "
                  "failed; the previous certificate stays in use.")),
      http_unauthorized(counter(registry, "tserver_exporter_http_unauthorized_total",
                                "HTTP requests answered 401: no or wrong basic_auth_users "
                                "credentials.")),
      http_rate_limited(counter(registry, "tserver_exporter_http_rate_limited_total",
                                "HTTP requests answered 429 by the web configuration's "
                                "rate_limit.")),
      http_auth_cache_dropped(counter(
          registry, "tserver_exporter_http_auth_cache_dropped_total",
          "Verified credentials dropped from the cache of basic_auth_users outcomes (at most "
          "100; a dropped one costs a bcrypt when it comes again).")),
      config_last_reload_successful(
          gauge(registry, "tserver_exporter_config_last_reload_successful",
                "Whether the last configuration reload was applied (1) or refused, the "
                "configuration before it staying in force (0).")),
      config_last_reload_success_timestamp(
          gauge(registry, "tserver_exporter_config_last_reload_success_timestamp_seconds",
                "When the configuration was last loaded: at start, or by the last reload "
                "applied.")),
      http_auth_checks_dropped(
          counter(registry, "tserver_exporter_http_auth_checks_dropped_total",
                  "HTTP requests answered 503 without a password check: 8 were already waiting for "
                  "bcrypt (a flood of new passwords).")),
      lines_ignored(counter_family(
          registry, "tserver_exporter_lines_ignored_total",
          "Lines of a known kind that are never records, by kind: header (a segment's header "
          "block), sip_stack (a SIP Server stack line), trigger ($+, $- and $* lines), "
          "sip_message (a raw SIP message and its SDP body), indented (an indented line outside "
          "any dump).")),
      header_lines(lines_ignored.Add({{"kind", "header"}})),
      sip_stack_lines(lines_ignored.Add({{"kind", "sip_stack"}})),
      trigger_lines(lines_ignored.Add({{"kind", "trigger"}})),
      sip_message_lines(lines_ignored.Add({{"kind", "sip_message"}})),
      stray_indented_lines(lines_ignored.Add({{"kind", "indented"}})),
      durations_skipped(counter(
          registry, "tserver_exporter_request_durations_skipped_total",
          "Answers whose time from the request could not be measured: the log's time stepped "
          "back between them (a clock change, a T-Server restart), or one of them printed none.")),
      log_time_steps_back(counter(registry, "tserver_exporter_log_time_steps_back_total",
                                  "Times a T-Server log's own time went back by more than 2 s "
                                  "(a clock change, a restart); midnight is not one.")) {
  record_reload(true, std::chrono::system_clock::now());
  prometheus::BuildGauge()
      .Name("tserver_exporter_build_info")
      .Help("The exporter's version and source revision; always 1.")
      .Register(registry)
      .Add({{"version", std::string(version)}, {"revision", std::string(revision)}})
      .Set(1);
}

void SelfMetrics::record_reload(bool success, std::chrono::system_clock::time_point now) {
  config_last_reload_successful.Set(success ? 1 : 0);
  if (success) {
    config_last_reload_success_timestamp.Set(
        std::chrono::duration<double>(now.time_since_epoch()).count());
  }
}

void SelfMetrics::publish(const ParseTotals& now, ParseTotals& published) {
  add_delta(bytes_read, now.bytes, published.bytes);
  add_delta(lines_read, now.lines, published.lines);
  add_delta(records_parsed, now.records, published.records);
  add_delta(lines_too_long, now.lines_too_long, published.lines_too_long);
  add_delta(lines_unrecognized, now.lines_unrecognized, published.lines_unrecognized);
  add_delta(duplicates_skipped, now.duplicates, published.duplicates);
  add_delta(backup_copies_skipped, now.backup_copies, published.backup_copies);
  add_delta(malformed_records, now.malformed, published.malformed);
  add_delta(requests_evicted, now.requests_evicted, published.requests_evicted);
  add_delta(header_lines, now.header_lines, published.header_lines);
  add_delta(sip_stack_lines, now.sip_stack_lines, published.sip_stack_lines);
  add_delta(trigger_lines, now.trigger_lines, published.trigger_lines);
  add_delta(sip_message_lines, now.sip_message_lines, published.sip_message_lines);
  add_delta(stray_indented_lines, now.stray_indented, published.stray_indented);
  add_delta(durations_skipped, now.durations_skipped, published.durations_skipped);
  add_delta(log_time_steps_back, now.clock_steps_back, published.clock_steps_back);
}

}  // namespace tse
