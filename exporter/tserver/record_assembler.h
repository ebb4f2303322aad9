#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tserver/log_time.h"
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

/// A request answered (issue 14).
struct AnswerReport {
  std::string_view request;  // its TLib name
  /// A small number (below RequestTracker::kMaxNames) that stands for `request` for the life of
  /// the assembler: a sink that counts answers by name can keep what it needs by this number
  /// instead of looking the name up at every answer.
  std::uint32_t request_id = 0;
  std::int64_t micros = 0;  // from the request's record to its answer, in log time
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
  /// A request answered, with the time it took.
  virtual void on_answer(const AnswerReport& /*answer*/) {}
  /// A request with no answer within the request timeout (issue 14).
  virtual void on_unanswered(std::string_view /*request*/) {}
};

/// Counters of what the assembler saw, for self-metrics. Plain integers: the owner publishes them.
struct AssemblerStats {
  std::uint64_t records = 0;           // standard records and TLib message dumps
  std::uint64_t event_errors = 0;      // reported to the sink
  std::uint64_t duplicates = 0;        // EventError dumps repeated with the same sequence number
  std::uint64_t malformed = 0;         // EventError dumps whose AttributeErrorCode is unusable
  std::uint64_t backup_copies = 0;     // [BSYNC] copies skipped with their bodies
  std::uint64_t unrecognized = 0;      // column-0 lines that are none of the known kinds
  std::uint64_t requests = 0;          // 04541 records and 04543 traces, once per request
  std::uint64_t requests_evicted = 0;  // pending requests dropped unanswered (count or age)
  // Lines of known kinds that are never records (contract section 6).
  std::uint64_t sip_stack_lines = 0;    // a SIP Server stack line: `13:54:59.856: SIPCM: id=1`
  std::uint64_t trigger_lines = 0;      // `$+CTI:...`, `$-...`, `$*...`
  std::uint64_t sip_message_lines = 0;  // raw SIP messages: start line, header fields, SDP
  std::uint64_t stray_indented = 0;     // TAB- or space-indented lines outside any dump
  // Requests paired with their answers (issue 14).
  std::uint64_t answers = 0;              // reported with their duration
  std::uint64_t durations_skipped = 0;    // answered across a step back of the log's clock
  std::uint64_t requests_unanswered = 0;  // no answer within the request timeout
  std::uint64_t clock_steps_back = 0;     // the log's time went back (a clock change, a restart)
};

/// A few bytes of a line kept past the line's life, in place (no allocation): cut at N.
template <std::size_t N>
class Snippet {
 public:
  void assign(std::string_view text) {
    size_ = static_cast<std::uint8_t>(std::min(text.size(), N));
    if (size_ != 0) std::memcpy(bytes_, text.data(), size_);  // an empty view may have no data
  }
  void clear() { size_ = 0; }
  [[nodiscard]] std::string_view view() const { return {bytes_, size_}; }

 private:
  static_assert(N < 256);
  char bytes_[N] = {};
  std::uint8_t size_ = 0;
};

/// The clients of the last records, by the bytes that name them (`[724] (0000002a WDE_01
/// 10.1.2.3:51234)`): a client's 04541 records and the 04542 records of its answers print the
/// same bytes, so most records find their ClientId here instead of parsing it again.
class ClientCache {
 public:
  ClientId find(std::string_view text) {
    const std::size_t open = text.find('[');
    if (open == std::string_view::npos) return {};
    const std::string_view key = text.substr(open);
    if (key.size() > kKeyBytes) return record_client_id(text);
    // Direct-mapped by the client number's last digits: one comparison per record.
    std::size_t slot = 0;
    for (std::size_t i = 1; i < key.size() && i < 8 && key[i] >= '0' && key[i] <= '9'; ++i) {
      slot = slot * 10 + static_cast<std::size_t>(key[i] - '0');
    }
    Entry& entry = entries_[slot % kEntries];
    if (entry.key.view() != key) {
      entry.key.assign(key);
      entry.client = record_client_id(key);
    }
    return entry.client;
  }

 private:
  static constexpr std::size_t kEntries = 64;
  static constexpr std::size_t kKeyBytes = 64;
  struct Entry {
    Snippet<kKeyBytes> key;
    ClientId client;
  };
  Entry entries_[kEntries];
};

/// How the assembler pairs requests with their answers.
struct AssemblerOptions {
  /// A request not answered within this much log time is counted unanswered and forgotten.
  std::int64_t request_timeout = 300 * kMicrosPerSecond;
};

/// Turns the lines of one T-Server log (segment headers already removed) into EventError reports,
/// by the counting rules of contract sections 3 and 6.
///
/// An EventError can appear in up to three forms, each at most once: its dump (`@... message
/// EventError`, or a column-0 `message EventError` right after its 04542 record: shape B), its
/// `04542 EventError sent to [n] (...)` record, and its `Int 04545 Interaction message
/// "EventError" sent to n ("app")` trace. The forms of one event stand next to each other, with
/// only that event's lines between them; the assembler gathers them into one *event* and counts
/// it once, with the dump's top-level AttributeErrorCode (`unknown` without a dump) and the
/// client that the record or the trace names. An event ends at the next record or dump of
/// anything else, at a second copy of a form it already has (a new event: trace-only logs print
/// one 04542 record per EventError), at a form naming another client, or at an `@` dump after
/// its 04542 record (shape B dumps are column-0). Repeated dumps (the same
/// AttributeEventSequenceNumber), [BSYNC] copies and lines that are not records (blank, SIP
/// stack, triggers, raw SIP) stand inside an event without ending it. Only dumps named exactly
/// `EventError` count; nested key-value pairs are user data.
///
/// Requests the same way: a `04541 <Request> received from [n] (...)` record (with the column-0
/// dump under it that gives its AttributeReferenceID) and its `Int 04543 Interaction message
/// "<Request>" received from n ("app")` trace are one request, counted once. An EventError
/// names the request it answers by (client, ReferenceID), contract section 3.5.
///
/// Every request with a ReferenceID is paired with its answer, the first event or EventError
/// that carries its ReferenceID back to its client (the event's dump gives the ReferenceID and,
/// on its `@` line, the time; its 04542 record the client): on_answer() gets the time between
/// the request's record and the answer's dump, in log time (LogClock). A request that waits
/// longer than AssemblerOptions::request_timeout is reported by on_unanswered().
///
/// An event is reported as soon as it has its dump and its 04542 record (code and client known),
/// else when it ends or at flush(); once reported it still takes in its late forms without
/// counting again.
///
/// Pure and incremental: lines in, reports out, no I/O, no clock. Not thread-safe: one assembler
/// per log stream.
class RecordAssembler {
 public:
  explicit RecordAssembler(RecordSink& sink, AssemblerOptions options = {})
      : sink_(sink), options_(options) {}

  /// What the assembler carries from one record to the next. Saved with a stream position where
  /// no record is open, it lets a restarted exporter resume there and count exactly as if it had
  /// never stopped (a trailer still finds its dump, a repeated dump is still a repeat, a trace
  /// still joins its record).
  struct Context {
    std::optional<std::uint64_t> last_sequence;
    std::uint8_t previous = 0;
    std::uint8_t event_forms = 0;  // of the last event (counted already): kDumpForm | ...
    ClientId event_client;
    std::uint8_t request_forms = 0;  // of the last request: kRecordForm | kRequestTraceForm
    ClientId request_client;
    std::uint64_t request_name = 0;  // a hash of its name

    /// A short printable form for the state file, e.g. `1:a1b2c:2` or
    /// `3:-:2:2d8.9f3e:1:2d8.9f3e:77aa`. The first three fields are the format of earlier versions,
    /// which parse() still reads.
    [[nodiscard]] std::string serialize() const;
    static std::optional<Context> parse(std::string_view text);
    bool operator==(const Context&) const = default;
  };
  static constexpr std::uint8_t kDumpForm = 1, kSentForm = 2, kTraceForm = 4;  // events
  static constexpr std::uint8_t kRecordForm = 1, kRequestTraceForm = 2;        // requests

  /// The context now: where no record is open, the one to resume with after the last line.
  [[nodiscard]] Context context() const;
  /// Starts from a saved context, before the first line of a resumed stream.
  void restore(const Context& context);

  /// The pairing of requests with their answers (issue 14), for the state file beside a
  /// checkpoint: the pending requests with their times, the log's clock, an event's dump waiting
  /// for its 04542 record, and the last 04542 record (a shape-B dump's header). Where a record is
  /// open it is the same as at that record's start, since only the open record's own lines were
  /// read since, and they change none of it before they complete (a request, an answer, a check
  /// point or a 04541 record ends an open event first): saved with checkpoint(), it resumes there.
  [[nodiscard]] std::string pairing_state() const;
  /// Restores pairing_state()'s output, before the first line of a resumed stream; false (and
  /// nothing changed) when the text is not one.
  bool restore_pairing(std::string_view text);

  /// Lines seen so far; the open record began at line number open_record_line() (1-based),
  /// and open_record_context() is the context to resume with at that line. The open record can
  /// move to a later line that began a dump (dump_start_line()) when the event before that dump
  /// is reported.
  [[nodiscard]] std::uint64_t lines_seen() const { return lines_; }
  [[nodiscard]] std::uint64_t open_record_line() const { return open_mark().line; }
  [[nodiscard]] const Context& open_record_context() const { return open_mark().context; }
  [[nodiscard]] std::uint64_t dump_start_line() const { return dump_mark_.line; }

  /// One complete line, without its line ending.
  void on_line(std::string_view line);

  /// Closes whatever is open: the current dump ends, the current event is reported. For the end
  /// of input, and for a stream that has been quiet at a line boundary. What arrives after it
  /// never counts the closed records again (a late form of the event joins it silently).
  void flush();

  /// True while a dump, or an event not yet reported, waits for lines that would complete it.
  [[nodiscard]] bool has_open_record() const {
    return dump_ != Dump::kNone || (event_.open && !event_.reported);
  }

  [[nodiscard]] AssemblerStats stats() const {
    AssemblerStats stats = stats_;
    stats.requests_evicted = requests_.evictions();
    stats.requests_unanswered = requests_.unanswered();
    stats.clock_steps_back = clock_.steps_back();
    return stats;
  }

 private:
  enum class Dump {
    kNone,
    kOther,
    kEvent,  // another event: read for an AttributeReferenceID that answers a request
    kEventError,
    kRequest,
    kLinkDisconnected,
    kIsccError,
    kBackupCopy
  };
  enum class Previous { kOther, kRequestReceived, kEventSent, kBackupCopy };

  // The EventError being gathered from its forms.
  struct Event {
    bool open = false;
    bool reported = false;  // counted already (or a repeat, never to count): later forms join
    std::uint8_t forms = 0;
    ClientId client;
    std::optional<std::int64_t> code;
    std::optional<std::uint64_t> reference;
    std::optional<LogClock::Instant> time;  // of its dump, else of its 04542 record
  };
  // An event's dump that answers a request, waiting for its 04542 record to name the client.
  struct HeldAnswer {
    bool held = false;
    std::uint64_t reference = 0;
    Snippet<64> name;  // the event's name, which its 04542 record repeats
    std::optional<LogClock::Instant> time;
  };
  // The request being gathered from its 04541 record and 04543 trace.
  struct Request {
    std::uint8_t forms = 0;
    ClientId client;
    std::uint64_t name = 0;
  };
  struct Mark {
    std::uint64_t line = 0;
    Context context;
  };

  void start_dump(std::string_view name, bool shape_b);
  void on_body_line(std::string_view line);
  void finish_dump();
  void on_record(std::string_view line);
  void on_other_line(std::string_view line);
  void event_form(std::uint8_t form, const ClientId& client);
  void end_event();
  void report_event();
  void report_if_complete();
  /// True when a 04542 text `<Event> sent to ...` names the event `name`.
  static bool names_event(std::string_view text, std::string_view name) {
    return !name.empty() && text.size() > name.size() && text.starts_with(name) &&
           (text[name.size()] == ' ' || text[name.size()] == '\t');
  }
  void request_form(std::uint8_t form, std::string_view name, const ClientId& client);
  void open_event(const Mark& start);
  void answer_request(const ClientId& client, std::uint64_t reference,
                      const std::optional<LogClock::Instant>& time);
  void report_duration(const RequestTracker::Answered& answered,
                       const std::optional<LogClock::Instant>& time);
  /// Takes out the requests unanswered at `at` (by default the latest time the log printed).
  void expire_requests(const std::optional<LogClock::Instant>& at = std::nullopt);
  std::optional<LogClock::Instant> observe_record_time(std::string_view line);
  std::optional<LogClock::Instant> observe_dump_time();
  [[nodiscard]] const Mark& open_mark() const {
    return event_.open && !event_.reported ? event_mark_ : dump_mark_;
  }

  RecordSink& sink_;
  AssemblerOptions options_;
  AssemblerStats stats_;
  LogClock clock_;
  DateCache dates_;
  // Made at the first record that names a client: a network origin that never sends one (a
  // flood of one-line senders) does not pay its 6 KiB.
  std::unique_ptr<ClientCache> clients_;
  ClientId client_of(std::string_view text) {
    if (!clients_) clients_ = std::make_unique<ClientCache>();
    return clients_->find(text);
  }

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
  std::string dump_name_;        // a request dump's name
  Snippet<64> dump_event_name_;  // an event dump's name
  // The start of the dump's `@` line, or of the 04542 record it stands under: its time is read
  // only for a dump that answers a request.
  Snippet<40> dump_stamp_;
  bool dump_stamp_at_ = false;                  // an `@` line (else a record's)
  bool dump_under_sent_ = false;                // a column-0 dump right after a 04542 record
  Previous previous_ = Previous::kOther;        // the last non-blank column-0 line
  std::optional<std::uint64_t> last_sequence_;  // of the last EventError dump

  Event event_;
  Request request_;
  // The last 04542 record of any event, for a column-0 dump under it.
  // (kept as bytes: parsed only when a dump under it answers a request).
  Snippet<40> last_sent_stamp_;
  Snippet<160> last_sent_text_;
  HeldAnswer held_answer_;
  std::optional<LogClock::Instant> request_time_;  // of the last 04541 record

  RequestTracker requests_;

  // Where the open record began, for checkpoints: the event not yet reported, else the dump.
  std::uint64_t lines_ = 0;
  Mark event_mark_;  // where the event began
  Mark dump_mark_;   // where the dump began
  Mark line_mark_;   // the current line, with the context before its own effects
};

}  // namespace tse::tserver
