#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tse::tserver {

/// One EventError the T-Server sent to a client.
struct EventErrorReport {
  /// The top-level AttributeErrorCode; nullopt when the log does not say (a 04542 record logged
  /// without its dump, or a dump whose code is missing or malformed).
  std::optional<std::int64_t> code;
};

/// Receives what the assembler recognises. Called synchronously from RecordAssembler::on_line
/// and flush(), on the assembler's thread.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void on_event_error(const EventErrorReport& report) = 0;
};

/// Counters of what the assembler saw, for self-metrics. Plain integers: the owner publishes them.
struct AssemblerStats {
  std::uint64_t records = 0;        // standard records and TLib message dumps
  std::uint64_t event_errors = 0;   // reported to the sink
  std::uint64_t duplicates = 0;     // EventError dumps repeated with the same sequence number
  std::uint64_t malformed = 0;      // EventError dumps whose AttributeErrorCode is unusable
  std::uint64_t backup_copies = 0;  // [BSYNC] copies skipped with their bodies
  std::uint64_t unrecognized = 0;   // column-0 lines that are none of the known kinds
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
  [[nodiscard]] bool has_open_record() const { return dump_ != Dump::kNone || pending_sent_; }

  [[nodiscard]] const AssemblerStats& stats() const { return stats_; }

 private:
  enum class Dump { kNone, kOther, kEventError, kBackupCopy };
  enum class Previous { kOther, kRequestReceived, kEventSent, kBackupCopy };

  void start_dump(std::string_view name, bool shape_b);
  void on_body_line(std::string_view line);
  void finish_dump();
  void resolve_pending_sent();
  void on_record(std::string_view line);
  void report(std::optional<std::int64_t> code);
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

  Previous previous_ = Previous::kOther;  // the last non-blank column-0 line
  bool pending_sent_ = false;   // a 04542 EventError record waiting to see what follows it
  bool unpaired_dump_ = false;  // a shape-A EventError dump waiting for its 04542 trailer
  std::optional<std::uint64_t> last_sequence_;  // of the last EventError dump

  // Where the open record began, for checkpoints.
  std::uint64_t lines_ = 0;
  std::uint64_t open_line_ = 0;
  Context open_context_;
  Context line_context_;  // the context before the current line's own effects
};

}  // namespace tse::tserver
