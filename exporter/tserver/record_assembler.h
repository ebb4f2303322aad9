#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tserver/request_tracker.h"

namespace tse::tserver {

/// One EventError the T-Server sent to a client.
struct EventErrorReport {
  /// The top-level AttributeErrorCode; nullopt when the log does not say (a 04542 record logged
  /// without its dump, or a dump whose code is missing or malformed).
  std::optional<std::int64_t> code;
  /// The request it answers (`RequestMakeCall`), empty when no pending request matches.
  std::string_view request;
};

/// Receives what the assembler recognises. Called synchronously from RecordAssembler::on_line
/// and flush(), on the assembler's thread; views are valid during the call only.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_event_error(const EventErrorReport& report) = 0;
  /// A client request the T-Server received (a 04541 record), by its TLib name.
  virtual void on_request(std::string_view /*name*/) {}
  /// An EventLinkDisconnected (once per event, however many clients it was sent to).
  virtual void on_link_disconnected() {}
  /// An ISCCEventError, with its AttributeErrorCode when it has one.
  virtual void on_iscc_error(std::optional<std::int64_t> /*code*/) {}
};

/// Counters of what the assembler saw, for self-metrics. Plain integers: the owner publishes them.
struct AssemblerStats {
  std::uint64_t records = 0;        // standard records and TLib message dumps
  std::uint64_t event_errors = 0;   // reported to the sink
  std::uint64_t duplicates = 0;     // EventError dumps repeated with the same sequence number
  std::uint64_t malformed = 0;      // EventError dumps whose AttributeErrorCode is unusable
  std::uint64_t backup_copies = 0;  // [BSYNC] copies skipped with their bodies
  std::uint64_t unrecognized = 0;   // column-0 lines that are none of the known kinds
  std::uint64_t requests = 0;          // 04541 records
  std::uint64_t requests_evicted = 0;  // pending requests dropped unanswered (count or age)
};

/// Turns the lines of one T-Server log (segment headers already removed) into EventError reports,
/// by the counting rules of contract section 3:
///  - only dumps named exactly `EventError` count, with their top-level AttributeErrorCode;
///    nested key-value pairs are user data and never count;
///  - a dump repeated with the same AttributeEventSequenceNumber counts once;
///  - shape A (dump, then a `04542 EventError sent to` trailer as the next record, an
///    `Interaction message "EventError"` trace of the same event allowed between) counts once;
///  - shape B (the 04542 record, then a column-0 `message EventError` dump) counts once;
///  - a 04542 EventError record with no dump before or after it counts with an unknown code;
///  - `[BSYNC]` copies sent to the backup T-Server are skipped with their bodies.
/// It also names the request each EventError answers (section 3.5): a 04541 record names the
/// client, the dump under it the request and its AttributeReferenceID. A shape-A EventError is
/// reported when its trailer (which names the client) or the next record arrives.
///
/// Pure and incremental: lines in, reports out, no I/O, no clock, no allocation. Not thread-safe:
/// one assembler per log stream.
class RecordAssembler {
 public:
  explicit RecordAssembler(RecordSink& sink) : sink_(sink) {}

  /// What the assembler carries from one record to the next. Saved with a stream position where
  /// no record is open, it lets a restarted exporter resume there and count exactly as if it had
  /// never stopped (a trailer still finds its dump, a repeated dump is still a repeat).
  struct Context {
    bool unpaired_dump = false;
    std::optional<std::uint64_t> last_sequence;
    std::uint8_t previous = 0;

    /// A short printable form for the state file, e.g. `1:a1b2c:2` or `0:-:0`.
    [[nodiscard]] std::string serialize() const;
    static std::optional<Context> parse(std::string_view text);
    bool operator==(const Context&) const = default;
  };

  /// The context now: where no record is open, the one to resume with after the last line.
  [[nodiscard]] Context context() const;
  /// Starts from a saved context, before the first line of a resumed stream.
  void restore(const Context& context);

  /// Lines seen so far; the open record began at line number open_record_line() (1-based),
  /// and open_record_context() is the context to resume with at that line.
  [[nodiscard]] std::uint64_t lines_seen() const { return lines_; }
  [[nodiscard]] std::uint64_t open_record_line() const { return open_line_; }
  [[nodiscard]] const Context& open_record_context() const { return open_context_; }

  /// One complete line, without its line ending.
  void on_line(std::string_view line);

  /// Closes whatever is open: the current dump ends, a pending 04542 record is resolved. For the
  /// end of input, and for a stream that has been quiet at a line boundary. What arrives after
  /// it never counts the closed records again (at worst a late dump body is ignored).
  void flush();

  /// True while a dump or a 04542 record is waiting for lines that would complete it.
  [[nodiscard]] bool has_open_record() const {
    return dump_ != Dump::kNone || pending_sent_ || held_;
  }

  [[nodiscard]] AssemblerStats stats() const {
    AssemblerStats stats = stats_;
    stats.requests_evicted = requests_.evictions();
    return stats;
  }

 private:
  enum class Dump { kNone, kOther, kEventError, kRequest, kLinkDisconnected, kIsccError, kBackupCopy };
  enum class Previous { kOther, kRequestReceived, kEventSent, kBackupCopy };

  void start_dump(std::string_view name, bool shape_b);
  void on_body_line(std::string_view line);
  void finish_dump();
  void resolve_pending_sent();
  void on_record(std::string_view line);
  void report_held(std::string_view client);
  void report(std::optional<std::int64_t> code, std::optional<std::uint64_t> reference,
              std::string_view client);
  void mark_record_start();

  RecordSink& sink_;
  AssemblerStats stats_;

  // The dump being read.
  Dump dump_ = Dump::kNone;
  bool dump_shape_b_ = false;      // its header was a column-0 line after its 04542 record
  std::uint32_t dump_indent_ = 0;  // columns of its first attribute line: deeper is nested
  bool dump_indent_known_ = false;
  bool dump_has_code_ = false;
  bool dump_code_malformed_ = false;
  std::int64_t dump_code_ = 0;
  std::optional<std::uint64_t> dump_sequence_;
  std::optional<std::uint64_t> dump_reference_;
  std::string dump_name_;  // a request dump's name
  Previous previous_ = Previous::kOther;  // the last non-blank column-0 line
  bool pending_sent_ = false;   // a 04542 EventError record waiting to see what follows it
  bool pending_was_trailer_ = false;  // ... that already served as a held dump's trailer
  std::string pending_client_;  // ... and the client it names
  bool unpaired_dump_ = false;  // a shape-A EventError dump waiting for its 04542 trailer
  std::optional<std::uint64_t> last_sequence_;  // of the last EventError dump

  // A shape-A EventError dump, counted when its trailer (or the next record) arrives.
  bool held_ = false;
  bool held_counts_ = false;  // false for a repeat: the trailer still pairs, nothing counts
  std::optional<std::int64_t> held_code_;
  std::optional<std::uint64_t> held_reference_;

  RequestTracker requests_;
  std::string request_client_;  // of the last 04541 record

  // Where the open record began, for checkpoints.
  std::uint64_t lines_ = 0;
  std::uint64_t open_line_ = 0;
  Context open_context_;
  Context line_context_;  // the context before the current line's own effects
};

}  // namespace tse::tserver
