#pragma once

// A deterministic generator of realistic T-Server for Skype for Business log text, with the exact
// EventError counts that the text must give under the parsing contract
// (../shared/tserver-log-format.md, sections 1 to 3, and the interpretations listed in
// tests/data/README.md). Used by tse_loggen (files of segments, for the correctness check and the
// throughput comparison) and by micro_benchmarks (a realistic in-memory buffer).
//
// Independent of the exporter's code on purpose: it knows the format from the contract and the
// hand-made logs under tests/data/logs, so a bug in the exporter's parser cannot hide here.
//
// What a log contains, block by block (a block is one exchange: whole lines, CRLF endings):
//   - requests (04541 record + column-0 `message Request...` dump) and their events (`@...
//     distribute_event: message Event...` dump + 04542 trailers), unsolicited call events with
//     user data, shape-B non-error events, trace-verbosity record pairs without dumps;
//   - [BSYNC] copies to the backup T-Server (of requests, and of EventErrors);
//   - `@... sfb_connector: ...` lines, hourly `04120 Check point` records;
//   - user data with nested pairs, among them decoys (`'ErrorCode' 57`, `'Note' 'message
//     EventError'`, `'AttributeErrorCode' 1707`), Latin-1 bytes (UTF-8 with set_utf8_only),
//     masked and empty values;
//   - ISCCEventError, EventHardwareError and EventLinkDisconnected with AttributeErrorCode (never
//     EventErrors);
//   - about 1 TLib message in 100 is an EventError: shape A (dump, then its 04542 trailer;
//     sometimes with a `(text)` line and an `Int 04545 Interaction message "EventError"` trace in
//     between), shape B (04542 record, then a column-0 dump), trace-only 04542 records (code
//     `unknown`), the same event printed twice (counted once), a dump with no trailer, a dump with
//     nested codes only (code `unknown`), codes outside the table.
// The generator only writes sequences whose count the contract fixes (see the README
// "Interpretations of the contract", rule 7 in particular).
//
// Answer times (issue 14): every request with a dump is answered by its event or EventError
// after a delay drawn from milliseconds to tens of seconds (some exactly on a bucket bound, some
// past the last one), or, rarely, never. A slow answer to a request (over 1 s, and a quarter of
// the others) comes in a later block, with other traffic in between; once an hour a slow request
// just before the hour is answered after its check point (and after midnight once a day). The
// generator keeps its own model of the pending requests by the contract's pairing rules
// (section 3.5: the first answer to the same client and ReferenceID; a dump without its 04542
// record by the ReferenceID alone when exactly one pending request has it; unanswered after
// kRequestTimeoutMs of log time, aged at each 04541 record and check point), and the histogram
// every (T-Server, request) must show.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tse::bench {

/// splitmix64: small, fast and the same on every platform (std:: distributions are not).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// In [0, n); the modulo bias is below 1e-15 for the small n used here.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  /// True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) { return below(1000) < per_mille; }

 private:
  std::uint64_t state_;
};

/// The upper bounds of tserver_request_duration_seconds' buckets, in microseconds (+Inf aside),
/// and as the exposition prints them.
inline constexpr std::array<std::int64_t, 15> kDurationBoundsMicros = {
    5'000,     10'000,    25'000,     50'000,     100'000,    250'000,    500'000,   1'000'000,
    2'500'000, 5'000'000, 10'000'000, 15'000'000, 20'000'000, 30'000'000, 60'000'000};
inline constexpr std::array<std::string_view, 16> kDurationBoundLabels = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
    "2.5",   "5",    "10",    "15",   "20",  "30",   "60",  "+Inf"};
/// The exporter's default --source.request-timeout (5m), which the check passes explicitly.
inline constexpr std::int64_t kRequestTimeoutMs = 300'000;

/// One tserver_request_duration_seconds series as the answers written make it.
struct DurationHistogram {
  std::array<std::uint64_t, 16> in_bucket{};  // not cumulative; [15] is +Inf
  std::uint64_t count = 0;
  std::int64_t sum_micros = 0;  // exact: every time written has whole 100 µs
};

/// What the generated text must give when read by the exporter.
struct Tally {
  /// Non-zero EventError counts by error code ("57", "9999", "unknown").
  std::map<std::string, std::uint64_t> by_code;
  std::uint64_t event_errors = 0;   // sum of by_code
  std::uint64_t duplicates = 0;     // EventError dumps printed again with the same sequence number
  std::uint64_t backup_copies = 0;  // [BSYNC] blocks
  std::uint64_t malformed = 0;      // EventError dumps without a top-level AttributeErrorCode
  std::uint64_t messages = 0;       // TLib messages (requests and events, dumped or traced)
  std::uint64_t lines = 0;          // LF-terminated lines written (headers included)
  // EventErrors by how they were written, for the summary.
  std::uint64_t shape_a = 0, shape_b = 0, trace_only = 0, no_trailer = 0, printed_twice = 0;
  // Requests paired with their answers, by request name.
  std::map<std::string, DurationHistogram, std::less<>> durations;
  std::map<std::string, std::uint64_t, std::less<>> unanswered;  // after kRequestTimeoutMs
  std::uint64_t answered = 0, unanswered_total = 0, on_a_bound = 0;
  std::uint64_t across_midnight = 0, across_check_point = 0;  // answers with one in between
};

class LogGenerator {
 public:
  /// About 1 TLib message in 100 is an EventError with the default rate.
  static constexpr std::uint32_t kDefaultErrorBlocksPerMille = 17;

  /// `tserver` is the header's Application name (the exporter's `tserver` label);
  /// `error_blocks_per_mille`: how many blocks in 1000 hold an EventError.
  LogGenerator(std::uint64_t seed, std::string tserver,
               std::uint32_t error_blocks_per_mille = kDefaultErrorBlocksPerMille);

  /// Writes user data names in UTF-8 instead of Latin-1 (for tools that stop at invalid UTF-8).
  void set_utf8_only(bool on) { utf8_only_ = on; }

  /// How records print their time: ISO 8601 with the date (the default), or the time of day only
  /// (`10:15:24.807`), whose day the exporter follows across midnight by itself.
  enum class TimeFormat { kIso, kTimeOnly };
  void set_time_format(TimeFormat format) { time_format_ = format; }

  /// Starts the log at this time of day (ms since midnight) instead of between 08:00 and 09:00,
  /// e.g. shortly before midnight. Before anything is written.
  void set_start_time_of_day(std::int64_t ms_of_day);

  /// Settles what the last line leaves open (an answer found by its ReferenceID alone). After the
  /// last block, before tally().
  void finish();

  /// Appends the header block of a new segment (ends with its empty line) for the current time.
  /// `file_number` is the `File: (<n>)` counter.
  void write_header(std::string& out, std::string_view file_name, unsigned file_number);

  /// Appends one block (an exchange, or a check point and an exchange): whole lines.
  void write_block(std::string& out);

  /// `<tserver>.<YYYYMMDD_HHMMSS_mmm>.log` for a segment starting now; strictly increasing.
  std::string next_segment_name();

  /// What the text written so far must give.
  [[nodiscard]] const Tally& tally() const { return tally_; }
  [[nodiscard]] const std::string& tserver() const { return tserver_; }

  /// The exact expected counts as TSV rows `tserver<TAB>error_code<TAB>count`, codes in numeric
  /// order, `unknown` last.
  [[nodiscard]] std::vector<std::string> expected_rows() const;

  /// The expected answer-time series as `#`-prefixed TSV rows (ignored by readers of the rows
  /// above): `#d<TAB>tserver<TAB>request<TAB>bucket<TAB>le<TAB>cumulative count`,
  /// `#d ... count<TAB><TAB>n`, `#d ... sum<TAB><TAB>seconds` (exact, 6 decimals), and
  /// `#u<TAB>tserver<TAB>request<TAB>n` for every non-zero tserver_requests_unanswered_total.
  [[nodiscard]] std::vector<std::string> expected_duration_rows() const;

 private:
  struct Client {
    std::uint32_t number;  // the [n] in records
    std::string tag;       // "0000002a WDE_01 10.1.2.3:51234"
    std::string dn;        // "'sip:agent1@contoso.com'"
    std::uint32_t next_reference = 1;
  };
  struct Code {
    std::int64_t code;
    std::string_view message;  // for AttributeErrorMessage and the `(text)` line
    std::uint32_t weight;
  };

  // Lines.
  void begin_line(std::string& out);
  void end_line(std::string& out);
  void put_iso_time(std::string& out, std::int64_t ms);
  void put_record(std::string& out, std::string_view level, std::string_view id,
                  std::string_view text_a, std::string_view text_b, const Client* client);
  void put_at_message(std::string& out, std::string_view function, std::string_view name);
  void put_message_line(std::string& out, std::string_view name);
  void put_attr(std::string& out, std::string_view name, std::string_view value);
  void put_attr_num(std::string& out, std::string_view name, std::uint64_t value);
  void put_attr_hex(std::string& out, std::string_view name, std::uint64_t value);
  void put_event_prologue(std::string& out, std::uint64_t sequence);
  void put_user_data(std::string& out, std::string_view attribute, bool decoys);
  void put_conn_id(std::string& out, std::uint64_t call);

  void put_record_time(std::string& out);

  // The pending requests, as the contract pairs them (see the file comment).
  struct Pending {
    std::string_view name;  // a literal of the request tables
    std::uint32_t reference;
    std::int64_t received_ms;
    std::uint64_t serial;
  };
  static std::uint64_t pending_key(const Client& client, std::uint32_t reference) {
    return static_cast<std::uint64_t>(client.number) << 32 | reference;
  }
  void track_request(const Client& client, std::string_view name, std::uint32_t reference);
  void expire_requests(std::int64_t step_ms);  // before a 04541 record or a check point
  void answer(const Client* client, std::uint32_t reference, std::int64_t at_micros);
  void settle_fallback();
  std::int64_t draw_delay(std::int64_t usual_max_ms);
  // An answer written in a later block (request_with_event).
  struct DeferredAnswer {
    std::size_t request;  // index into the request table
    std::size_t client;   // index into agents_
    std::uint32_t reference;
    std::uint64_t call;
  };
  void write_answer(std::string& out, std::size_t request, Client& client, std::uint32_t reference,
                    std::uint64_t call);

  // Blocks.
  void advance(std::int64_t min_ms, std::int64_t max_ms);
  void maybe_check_point(std::string& out);
  void request_dump(std::string& out, Client& client, std::string_view request,
                    std::uint32_t reference, std::uint64_t call, bool user_data);
  void backup_copy(std::string& out, std::string_view name, const Client& client,
                   std::uint32_t reference, std::uint64_t call);
  void request_with_event(std::string& out);
  void call_event(std::string& out);
  void shape_b_event(std::string& out);
  void trace_pair(std::string& out);
  void connector_line(std::string& out);
  void error_like_event(std::string& out);
  void event_error(std::string& out);
  void error_dump_body(std::string& out, std::uint64_t sequence, const Code* code,
                       std::uint32_t reference, const Client& client, std::uint64_t call,
                       bool text_line, bool nested_decoys);
  const Code& pick_code();
  void count(const Code* code);  // nullptr: unknown

  Random random_;
  std::string tserver_;
  std::uint32_t error_blocks_;
  bool utf8_only_ = false;
  std::vector<Client> agents_;
  Client stat_server_;
  Client urs_;
  Client icon_;
  std::int64_t now_ms_;  // simulated wall clock, ms since the Unix epoch
  std::int64_t start_ms_;
  std::int64_t last_check_point_hour_;
  std::int64_t last_segment_ms_ = 0;
  std::uint64_t sequence_ = 0xa1a80;
  std::uint64_t calls_ = 0;
  std::uint32_t backup_number_ = 1200;
  // Date cache for time stamps: the day's "YYYY-MM-DD" and its first ms.
  std::int64_t cached_day_ = -1;
  char cached_date_[11] = {};
  TimeFormat time_format_ = TimeFormat::kIso;
  std::int64_t last_at_micros_ = 0;  // the time the last `@` line printed
  std::int64_t last_check_point_ms_ = 0;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> pending_order_;  // key, serial: oldest first
  std::uint64_t pending_serial_ = 0;
  // A dump without its 04542 record answers by its ReferenceID alone when its event ends.
  std::optional<std::pair<std::uint32_t, std::int64_t>> fallback_;  // reference, time (µs)
  std::multimap<std::int64_t, DeferredAnswer> deferred_;            // by the time they are due
  std::int64_t spanned_hour_ = -1;               // the last hour that got a request across its end
  std::optional<std::int64_t> forced_delay_ms_;  // for that request
  Tally tally_;
};

/// One segment in memory: a header and blocks up to at least `bytes` (for benchmarks).
std::string generate_segment(std::uint64_t seed, std::size_t bytes,
                             std::string tserver = "TServer_SfB_01", Tally* tally = nullptr);

}  // namespace tse::bench
