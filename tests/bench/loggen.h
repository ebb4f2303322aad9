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

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
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
  Tally tally_;
};

/// One segment in memory: a header and blocks up to at least `bytes` (for benchmarks).
std::string generate_segment(std::uint64_t seed, std::size_t bytes,
                             std::string tserver = "TServer_SfB_01", Tally* tally = nullptr);

}  // namespace tse::bench
