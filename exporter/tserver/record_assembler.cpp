#include "tserver/record_assembler.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "hashing/fnv1a.h"
#include "tserver/log_line.h"
#include "tserver/log_time.h"

namespace tse::tserver {
namespace {
constexpr std::string_view kEventError = "EventError";
constexpr std::string_view kLinkDisconnected = "EventLinkDisconnected";
constexpr std::string_view kIsccError = "ISCCEventError";

std::uint64_t name_hash(std::string_view name) {
  const std::uint64_t h = fnv1a(name);
  return h == 0 ? 1 : h;
}

// Two forms can belong together unless both name a client and the clients differ.
bool clients_agree(const ClientId& a, const ClientId& b) {
  return !a.known || !b.known || same_client(a, b);
}

void merge_client(ClientId& into, const ClientId& from) {
  if (!into.known) {
    into = from;
  } else if (into.application == 0 && from.known) {
    into.application = from.application;
  }
}
}  // namespace

void RecordAssembler::on_line(std::string_view line) {
  ++lines_;
  if (dump_ != Dump::kNone) {
    if (is_indented(line)) {
      if (dump_ == Dump::kEvent) {  // most body lines: only a top-level AttributeReferenceID
        constexpr std::string_view kReference = "\tAttributeReferenceID";
        if (dump_reference_ || line.size() <= kReference.size() || line[10] != 'R' ||
            line.compare(0, kReference.size(), kReference) != 0) {
          if (line[0] == '\t') return;  // the usual TAB indent: decided
        } else if (line[kReference.size()] == '\t' || line[kReference.size()] == ' ') {
          // `<TAB>AttributeReferenceID<TAB>17`: read the number here, the common case.
          std::size_t i = kReference.size();
          while (i < line.size() && (line[i] == '\t' || line[i] == ' ')) ++i;
          std::uint64_t reference = 0;
          std::size_t digits = 0;
          while (i < line.size() && line[i] >= '0' && line[i] <= '9' && digits < 19) {
            reference = reference * 10 + static_cast<std::uint64_t>(line[i] - '0');
            ++i;
            ++digits;
          }
          if (digits > 0 && (i == line.size() || line[i] == ' ' || line[i] == '\t')) {
            dump_reference_ = reference;
            return;
          }
        }
      }
      on_body_line(line);
      return;
    }
    finish_dump();  // a dump ends at the first line that does not start with whitespace
  }
  if (line.empty()) return;
  // A record this line opens can be resumed from here, with the context before it.
  line_mark_ = Mark{lines_, context()};
  if (is_indented(line)) {  // a body line with no dump open: never an attribute
    ++stats_.stray_indented;
    previous_ = Previous::kOther;
    return;
  }
  const char first = line.front();
  if (first >= '0' && first <= '9') {
    on_record(line);
    return;
  }
  const Previous previous = previous_;
  previous_ = Previous::kOther;
  if (first == '@') {
    const AtLine at = parse_at_line(line);
    if (at.kind == AtLineKind::kMessage) {
      start_dump(at.message_name, /*shape_b=*/false);
      dump_stamp_.assign(line);
      dump_stamp_at_ = true;
    } else if (at.kind == AtLineKind::kBackupCopy) {
      // Not client traffic: skipped with its body, and it ends neither an event nor a request.
      ++stats_.backup_copies;
      dump_ = Dump::kBackupCopy;
      dump_mark_ = line_mark_;
      previous_ = Previous::kBackupCopy;
    } else {
      ++stats_.unrecognized;
    }
    return;
  }
  const std::string_view name = parse_column0_message(line);
  if (!name.empty()) {
    if (previous == Previous::kBackupCopy) {
      dump_ = Dump::kBackupCopy;  // the copy's own `message <Name>` header: skip its body too
      dump_mark_ = line_mark_;
      return;
    }
    if (previous == Previous::kEventSent && name == kEventError) {
      start_dump(kEventError, /*shape_b=*/true);
      dump_stamp_ = last_sent_stamp_;
      dump_stamp_at_ = false;
      return;
    }
    if (previous == Previous::kRequestReceived || previous == Previous::kEventSent) {
      start_dump(name, /*shape_b=*/false);
      dump_under_sent_ = previous == Previous::kEventSent;
      dump_stamp_ = last_sent_stamp_;
      dump_stamp_at_ = false;
      if (previous == Previous::kRequestReceived && name.starts_with("Request")) {
        dump_ = Dump::kRequest;
        dump_name_.assign(name);
      }
      return;
    }
  }
  previous_ = previous;  // on_other_line decides whether this line separates a record and its dump
  on_other_line(line);
}

void RecordAssembler::on_other_line(std::string_view line) {
  // SIP Server's own lines are interleaved with the T-Server's (contract section 6) and are no
  // records: like a blank line they leave previous_ alone, so that a 04541/04542 record and its
  // column-0 dump still belong together across them. An unknown line does separate them.
  switch (classify_other_line(line)) {
    case OtherLineKind::kSipStack:
      ++stats_.sip_stack_lines;
      break;
    case OtherLineKind::kTrigger:
      ++stats_.trigger_lines;
      break;
    case OtherLineKind::kSipMessage:
      ++stats_.sip_message_lines;
      break;
    case OtherLineKind::kUnknown:
      ++stats_.unrecognized;
      previous_ = Previous::kOther;
      break;
  }
}

void RecordAssembler::flush() {
  if (dump_ != Dump::kNone) finish_dump();
  // The event is counted now; its late forms still join it without counting again.
  if (event_.open && !event_.reported) report_event();
  // previous_ is kept: a shape-B dump arriving late joins the event counted now without counting
  // again, and its AttributeEventSequenceNumber is still seen, so that a second print of the
  // event is known as a repeat (never counted twice across a pause, as the README promises).
}

void RecordAssembler::on_record(std::string_view line) {
  const auto record = parse_standard_record(line);
  if (!record) {
    on_other_line(line);
    return;
  }
  ++stats_.records;
  if (held_answer_.held) {  // an event's dump that answers a request: this record names its client
    held_answer_.held = false;
    if (record->id == kEventSentId && names_event(record->text, held_answer_.name.view())) {
      answer_request(client_of(record->text), held_answer_.reference, held_answer_.time);
    }
  }
  switch (record->id) {
    case kEventSentId:
      previous_ = Previous::kEventSent;
      last_sent_stamp_.assign(line);
      last_sent_text_.assign(record->text);
      if (is_event_error_sent(record->text)) {
        event_form(kSentForm, client_of(record->text));
        request_ = Request{};
        return;
      }
      break;
    case kEventInteractionId:
      previous_ = Previous::kOther;
      if (const auto trace = parse_interaction(record->text, /*sent=*/true);
          trace && trace->name == kEventError) {
        event_form(kTraceForm, trace->client);
        request_ = Request{};
        return;
      }
      break;
    case kRequestReceivedId:
      end_event();
      previous_ = Previous::kRequestReceived;
      request_time_ = observe_record_time(line);
      expire_requests();
      request_form(kRecordForm, first_word(record->text), client_of(record->text));
      return;
    case kRequestInteractionId:
      previous_ = Previous::kOther;
      if (const auto trace = parse_interaction(record->text, /*sent=*/false)) {
        end_event();
        request_form(kRequestTraceForm, trace->name, trace->client);
        return;
      }
      break;
    case kCheckPointId:
      previous_ = Previous::kOther;
      if (const auto point = parse_check_point(record->text)) {  // re-anchors the log's date
        clock_.observe(*point);
        expire_requests();
      }
      break;
    default:
      previous_ = Previous::kOther;
      break;
  }
  // Any other record: the lines of another event or request.
  end_event();
  request_ = Request{};
}

void RecordAssembler::event_form(std::uint8_t form, const ClientId& client) {
  const bool joins =
      event_.open && (event_.forms & form) == 0 && clients_agree(event_.client, client);
  if (!joins) {
    end_event();
    open_event(line_mark_);
  }
  event_.forms |= form;
  merge_client(event_.client, client);
  report_if_complete();
}

// With its dump and its 04542 record the event has its code and its client: it is counted at
// once, and a trace that follows still joins it.
void RecordAssembler::report_if_complete() {
  constexpr std::uint8_t kComplete = kDumpForm | kSentForm;
  if (!event_.reported && (event_.forms & kComplete) == kComplete) report_event();
}

void RecordAssembler::request_form(std::uint8_t form, std::string_view name,
                                   const ClientId& client) {
  const std::uint64_t hash = name_hash(name);
  const bool joins = request_.forms != 0 && (request_.forms & form) == 0 && request_.name == hash &&
                     clients_agree(request_.client, client);
  if (!joins) {
    request_ = Request{};
    request_.name = hash;
    ++stats_.requests;
    sink_.on_request(name);
  }
  request_.forms |= form;
  merge_client(request_.client, client);
}

void RecordAssembler::open_event(const Mark& start) {
  event_ = Event{};
  event_.open = true;
  event_mark_ = start;
}

void RecordAssembler::end_event() {
  if (!event_.open) return;
  if (!event_.reported) report_event();
  event_ = Event{};
}

void RecordAssembler::report_event() {
  event_.reported = true;
  ++stats_.event_errors;
  // A request whose answer comes after the timeout was unanswered: it is taken out as such first,
  // whatever records came in between (the same count with or without them).
  if (event_.reference) expire_requests(event_.time);
  const RequestTracker::Answered answered = event_.reference
                                                ? requests_.answer(event_.client, *event_.reference)
                                                : RequestTracker::Answered{};
  sink_.on_event_error(EventErrorReport{event_.code, answered.request});
  report_duration(answered, event_.time);
}

void RecordAssembler::answer_request(const ClientId& client, std::uint64_t reference,
                                     const std::optional<LogClock::Instant>& time) {
  if (!client.known) return;  // only the client's own answer: never the ReferenceID alone
  expire_requests(time);      // an answer after the timeout answers nothing (see report_event)
  report_duration(requests_.answer(client, reference), time);
}

void RecordAssembler::report_duration(const RequestTracker::Answered& answered,
                                      const std::optional<LogClock::Instant>& time) {
  if (answered.request.empty()) return;
  const std::optional<std::int64_t> micros =
      time && answered.received ? LogClock::elapsed(*answered.received, *time) : std::nullopt;
  if (!micros) {  // no time printed, or the log's clock stepped back in between
    ++stats_.durations_skipped;
    return;
  }
  ++stats_.answers;
  sink_.on_answer(AnswerReport{answered.request, answered.request_id, *micros});
}

void RecordAssembler::expire_requests(const std::optional<LogClock::Instant>& at) {
  requests_.expire(at.value_or(clock_.now()), clock_.epoch_start(), options_.request_timeout,
                   [this](std::string_view request) { sink_.on_unanswered(request); });
}

std::optional<LogClock::Instant> RecordAssembler::observe_dump_time() {
  if (dump_stamp_at_) {
    const auto time = parse_at_time(dump_stamp_.view());
    return time ? std::optional(clock_.observe(*time)) : std::nullopt;
  }
  return observe_record_time(dump_stamp_.view());
}

std::optional<LogClock::Instant> RecordAssembler::observe_record_time(std::string_view line) {
  const auto time = parse_record_time(line, dates_);
  if (!time) return std::nullopt;
  return clock_.observe(*time);
}

void RecordAssembler::start_dump(std::string_view name, bool shape_b) {
  ++stats_.records;
  dump_ = name == kEventError         ? Dump::kEventError
          : name == kLinkDisconnected ? Dump::kLinkDisconnected
          : name == kIsccError        ? Dump::kIsccError
          : name.starts_with("Event") ? Dump::kEvent
                                      : Dump::kOther;
  held_answer_.held = false;  // a new dump: the held one's 04542 record did not come
  dump_stamp_.clear();
  dump_under_sent_ = false;
  if (dump_ == Dump::kEvent) dump_event_name_.assign(name);
  if (dump_ != Dump::kEventError) {  // another event's lines: the EventError before is complete
    end_event();
    if (!name.starts_with("Request")) request_ = Request{};
  }
  dump_mark_ = line_mark_;
  dump_shape_b_ = shape_b;
  dump_indent_known_ = false;
  dump_has_code_ = false;
  dump_code_malformed_ = false;
  dump_sequence_.reset();
  dump_reference_.reset();
}

void RecordAssembler::on_body_line(std::string_view line) {
  if (dump_ == Dump::kOther || dump_ == Dump::kBackupCopy) return;  // nothing to read there
  if (dump_ == Dump::kEvent) {  // its top-level AttributeReferenceID alone; cheap on every line
    if (dump_reference_) return;
    constexpr std::string_view kReference = "AttributeReferenceID";
    std::size_t i = 0;
    if (!line.empty() && line[0] == '\t') {
      i = 1;  // the usual one TAB: no loop
    } else {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    }
    // `AttributeR...` first (ReferenceID, Reasons), then the whole word.
    if (line.size() < i + kReference.size() || line[i + 9] != 'R' ||
        line.compare(i, kReference.size(), kReference) != 0) {
      return;
    }
  }
  if (dump_ == Dump::kRequest &&
      (dump_reference_ || line.find("AttributeReferenceID") == std::string_view::npos)) {
    return;  // a request dump gives its ReferenceID and nothing else
  }
  const auto attribute = parse_attribute_line(line);
  if (!attribute) return;  // nested pair, `(text)` line, hex continuation
  if (!dump_indent_known_) {
    dump_indent_ = attribute->indent_columns;
    dump_indent_known_ = true;
  } else if (attribute->indent_columns > dump_indent_) {
    return;  // deeper than the dump's own attributes: inside a key-value list
  }
  if (attribute->name == "ErrorCode") {
    if (dump_has_code_ || dump_code_malformed_) return;  // the first top-level code wins
    if (const auto code = parse_decimal(attribute->value)) {
      dump_has_code_ = true;
      dump_code_ = *code;
    } else {
      dump_code_malformed_ = true;
    }
  } else if (attribute->name == "EventSequenceNumber") {
    if (!dump_sequence_) dump_sequence_ = parse_hex(attribute->value);
  } else if (attribute->name == "ReferenceID") {
    if (dump_reference_) return;
    if (const auto reference = parse_decimal(attribute->value); reference && *reference >= 0) {
      dump_reference_ = static_cast<std::uint64_t>(*reference);
    }
  }
}

void RecordAssembler::finish_dump() {
  const Dump dump = dump_;
  dump_ = Dump::kNone;
  if (dump == Dump::kRequest) {
    // The client of the 04541 record right above it (or of its trace, the same client).
    if (dump_reference_) {
      requests_.add(request_.client, *dump_reference_, dump_name_, request_time_);
    }
    return;
  }
  if (dump == Dump::kEvent) {
    if (!dump_reference_) return;
    const auto time = observe_dump_time();
    if (dump_under_sent_ && names_event(last_sent_text_.view(), dump_event_name_.view())) {
      answer_request(client_of(last_sent_text_.view()), *dump_reference_, time);  // shape B
    } else {
      held_answer_ = HeldAnswer{true, *dump_reference_, dump_event_name_, time};
    }
    return;
  }
  if (dump != Dump::kEventError && dump != Dump::kLinkDisconnected && dump != Dump::kIsccError) {
    return;
  }
  const bool repeat = dump_sequence_ && dump_sequence_ == last_sequence_;
  if (dump_sequence_) last_sequence_ = dump_sequence_;
  if (repeat) ++stats_.duplicates;
  const std::optional<std::int64_t> code =
      dump_has_code_ ? std::optional<std::int64_t>(dump_code_) : std::nullopt;
  if (dump == Dump::kLinkDisconnected) {
    if (!repeat) sink_.on_link_disconnected();
    return;
  }
  if (dump == Dump::kIsccError) {
    if (!repeat) sink_.on_iscc_error(code);
    return;
  }
  if (!dump_has_code_ && !repeat) ++stats_.malformed;
  if (repeat && event_.open && (event_.forms & kDumpForm) != 0) {
    // A second copy of the event's dump: the T-Server prints the event again, and the copy's
    // record and trace that follow belong to the same event. It stays one event, and keeps the
    // client that either copy names.
    event_.forms = kDumpForm | (dump_shape_b_ ? kSentForm : 0);
    return;
  }
  // The event's dump: before its 04542 record (shape A), or column-0 right after it (shape B).
  const bool joins = event_.open && (event_.forms & kDumpForm) == 0 &&
                     (dump_shape_b_ || (event_.forms & kSentForm) == 0);
  if (joins) {
    // A copy of an event counted before (a shape-B event printed twice: its 04542 record opened
    // this one): it has nothing more to count.
    if (repeat) event_.reported = true;
  } else {
    // The 04542 record right above a shape-B dump is its header (and the event's trailer when
    // that event has its dump already): the new event names that record's client.
    const ClientId header_client = event_.client;
    end_event();
    open_event(dump_mark_);
    if (dump_shape_b_) {
      event_.forms = kSentForm;
      event_.client = header_client;
    }
    event_.reported = repeat;  // a copy of an event counted before: nothing more to count
  }
  event_.forms |= kDumpForm;
  event_.code = code;
  event_.reference = dump_reference_;
  if (dump_reference_ && !repeat) event_.time = observe_dump_time();  // the answer's time
  report_if_complete();
}

RecordAssembler::Context RecordAssembler::context() const {
  Context context;
  context.last_sequence = last_sequence_;
  context.previous = static_cast<std::uint8_t>(previous_);
  if (event_.open) {
    context.event_forms = event_.forms;
    context.event_client = event_.client;
  }
  context.request_forms = request_.forms;
  context.request_client = request_.client;
  context.request_name = request_.name;
  return context;
}

void RecordAssembler::restore(const Context& context) {
  dump_ = Dump::kNone;
  event_ = Event{};
  if (context.event_forms != 0) {  // saved only where it was counted: it takes late forms in
    event_.open = true;
    event_.reported = true;
    event_.forms = context.event_forms;
    event_.client = context.event_client;
  }
  request_ = Request{context.request_forms, context.request_client, context.request_name};
  last_sequence_ = context.last_sequence;
  previous_ = context.previous <= static_cast<std::uint8_t>(Previous::kBackupCopy)
                  ? static_cast<Previous>(context.previous)
                  : Previous::kOther;
}

namespace {

void put_client(std::string& out, const ClientId& client) {
  char buf[48];
  if (!client.known) {
    out += '-';
    return;
  }
  std::snprintf(buf, sizeof buf, "%llx.%llx", static_cast<unsigned long long>(client.number),
                static_cast<unsigned long long>(client.application));
  out += buf;
}

std::optional<ClientId> parse_client(std::string_view text) {
  if (text == "-") return ClientId{};
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto number = parse_hex(text.substr(0, dot));
  const auto application = parse_hex(text.substr(dot + 1));
  if (!number || !application || text.substr(0, dot).find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  return ClientId{*number, *application, true};
}

// `field` is a single digit 0..max.
std::optional<std::uint8_t> parse_digit(std::string_view field, char max) {
  if (field.size() != 1 || field[0] < '0' || field[0] > max) return std::nullopt;
  return static_cast<std::uint8_t>(field[0] - '0');
}

}  // namespace

std::string RecordAssembler::Context::serialize() const {
  std::string out;
  out += static_cast<char>('0' + event_forms);
  out += ':';
  if (last_sequence) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(*last_sequence));
    out += buf;
  } else {
    out += '-';
  }
  out += ':';
  out += static_cast<char>('0' + previous);
  if (event_client == ClientId{} && request_forms == 0 && request_client == ClientId{} &&
      request_name == 0) {
    return out;  // the short form, which earlier versions wrote and read
  }
  out += ':';
  put_client(out, event_client);
  out += ':';
  out += static_cast<char>('0' + request_forms);
  out += ':';
  put_client(out, request_client);
  char buf[24];
  std::snprintf(buf, sizeof buf, ":%llx", static_cast<unsigned long long>(request_name));
  out += buf;
  return out;
}

std::optional<RecordAssembler::Context> RecordAssembler::Context::parse(std::string_view text) {
  std::string_view fields[7];
  std::size_t count = 0;
  while (count < 7) {
    const std::size_t colon = text.find(':');
    fields[count++] = text.substr(0, colon);
    if (colon == std::string_view::npos) break;
    text.remove_prefix(colon + 1);
    if (count == 7) return std::nullopt;  // more fields than any version wrote
  }
  if (count != 3 && count != 7) return std::nullopt;
  Context context;
  // Earlier versions wrote `0` or `1` here: 1 was a counted dump whose 04542 record may follow.
  const auto event_forms = parse_digit(fields[0], '7');
  const auto previous = parse_digit(fields[2], '3');
  if (!event_forms || !previous) return std::nullopt;
  context.event_forms = *event_forms;
  context.previous = *previous;
  if (fields[1] != "-") {
    context.last_sequence = parse_hex(fields[1]);
    if (!context.last_sequence || fields[1].find(' ') != std::string_view::npos) {
      return std::nullopt;
    }
  }
  if (count == 3) return context;
  const auto event_client = parse_client(fields[3]);
  const auto request_forms = parse_digit(fields[4], '3');
  const auto request_client = parse_client(fields[5]);
  const auto request_name = parse_hex(fields[6]);
  if (!event_client || !request_forms || !request_client || !request_name ||
      fields[6].find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  context.event_client = *event_client;
  context.request_forms = *request_forms;
  context.request_client = *request_client;
  context.request_name = *request_name;
  return context;
}

// ---- The pairing state (issue 14), for the state file ----
//
// `p1;c<clock>,<epoch start>;h<held answer>;q<time>;s<04542 record>;r<request>;r<request>...`,
// each part `-` when absent: the clock `<micros>@<epoch>`; the held answer
// `<ReferenceID>,<event>,<time>`; the time of the last 04541 record (its dump may come after the
// checkpoint); the last 04542 record `<stamp>,<text>`; a pending request
// `<client>,<ReferenceID>,<name>,<time>`, oldest first. Bytes of the log (names, the record) are
// %XX-escaped but for [0-9A-Za-z_.-], so that no separator, TAB or line end is ever in it.

namespace {

void put_bytes(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '_' ||
        u == '.' || u == '-') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

std::optional<std::string> parse_bytes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (text.size() - i < 3) return std::nullopt;
    const auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int high = nibble(text[i + 1]);
    const int low = nibble(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

void put_signed(std::string& out, std::int64_t value) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

template <typename T>
std::optional<T> parse_integer(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void put_time(std::string& out, const std::optional<LogClock::Instant>& time) {
  if (!time) {
    out += '-';
    return;
  }
  put_signed(out, time->micros);
  out += '@';
  put_signed(out, time->epoch);
}

// nullopt: malformed; an empty optional inside: `-`.
std::optional<std::optional<LogClock::Instant>> parse_time(std::string_view text) {
  if (text == "-") return std::optional<LogClock::Instant>{};
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  const auto micros = parse_integer<std::int64_t>(text.substr(0, at));
  const auto epoch = parse_integer<std::uint32_t>(text.substr(at + 1));
  if (!micros || !epoch) return std::nullopt;
  return std::optional<LogClock::Instant>(LogClock::Instant{*micros, *epoch});
}

// Splits `text` at `separator` into exactly `n` fields.
template <std::size_t N>
bool split_fields(std::string_view text, char separator, std::string_view (&fields)[N]) {
  for (std::size_t i = 0; i < N; ++i) {
    const std::size_t end = i + 1 == N ? text.size() : text.find(separator);
    if (end == std::string_view::npos) return false;
    fields[i] = text.substr(0, end);
    text.remove_prefix(std::min(text.size(), end + 1));
    if (i + 1 == N && end != fields[i].size()) return false;
  }
  return fields[N - 1].find(separator) == std::string_view::npos;
}

}  // namespace

std::string RecordAssembler::pairing_state() const {
  std::string out = "p1;c";
  if (clock_.started()) {
    put_time(out, clock_.now());
    out += ',';
    put_signed(out, clock_.epoch_start());
  } else {
    out += '-';
  }
  out += ";h";
  if (held_answer_.held) {
    out += std::to_string(held_answer_.reference);
    out += ',';
    put_bytes(out, held_answer_.name.view());
    out += ',';
    put_time(out, held_answer_.time);
  } else {
    out += '-';
  }
  out += ";q";
  put_time(out, request_time_);
  out += ";s";
  put_bytes(out, last_sent_stamp_.view());
  out += ',';
  put_bytes(out, last_sent_text_.view());
  requests_.for_each_pending([&out](const ClientId& client, std::uint64_t reference,
                                    std::string_view request,
                                    const std::optional<LogClock::Instant>& received) {
    out += ";r";
    put_client(out, client);
    out += ',';
    out += std::to_string(reference);
    out += ',';
    put_bytes(out, request);
    out += ',';
    put_time(out, received);
  });
  return out;
}

bool RecordAssembler::restore_pairing(std::string_view text) {
  if (!text.starts_with("p1;") || text.ends_with(';')) return false;
  text.remove_prefix(3);
  // Parsed whole before anything is applied: a malformed state changes nothing.
  std::optional<LogClock::Instant> clock;
  std::int64_t epoch_start = 0;
  std::optional<LogClock::Instant> request_time;
  HeldAnswer held;
  std::string sent_stamp, sent_text;
  struct Saved {
    ClientId client;
    std::uint64_t reference;
    std::string request;
    std::optional<LogClock::Instant> received;
  };
  std::vector<Saved> pending;
  while (!text.empty()) {
    const std::size_t end = text.find(';');
    const std::string_view part = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (part.empty()) return false;
    const std::string_view body = part.substr(1);
    switch (part[0]) {
      case 'c': {
        if (body == "-") break;
        std::string_view fields[2];
        if (!split_fields(body, ',', fields)) return false;
        const auto time = parse_time(fields[0]);
        const auto start = parse_integer<std::int64_t>(fields[1]);
        if (!time || !*time || !start) return false;
        clock = **time;
        epoch_start = *start;
        break;
      }
      case 'h': {
        if (body == "-") break;
        std::string_view fields[3];
        if (!split_fields(body, ',', fields)) return false;
        const auto reference = parse_integer<std::uint64_t>(fields[0]);
        const auto name = parse_bytes(fields[1]);
        const auto time = parse_time(fields[2]);
        if (!reference || !name || !time) return false;
        held = HeldAnswer{true, *reference, {}, *time};
        held.name.assign(*name);
        break;
      }
      case 'q': {
        const auto time = parse_time(body);
        if (!time) return false;
        request_time = *time;
        break;
      }
      case 's': {
        std::string_view fields[2];
        if (!split_fields(body, ',', fields)) return false;
        auto stamp = parse_bytes(fields[0]);
        auto sent = parse_bytes(fields[1]);
        if (!stamp || !sent) return false;
        sent_stamp = std::move(*stamp);
        sent_text = std::move(*sent);
        break;
      }
      case 'r': {
        if (pending.size() >= RequestTracker::kMaxPending) return false;
        std::string_view fields[4];
        if (!split_fields(body, ',', fields)) return false;
        const auto client = parse_client(fields[0]);
        const auto reference = parse_integer<std::uint64_t>(fields[1]);
        auto request = parse_bytes(fields[2]);
        const auto time = parse_time(fields[3]);
        if (!client || !reference || !request || request->empty() || !time) return false;
        pending.push_back(Saved{*client, *reference, std::move(*request), *time});
        break;
      }
      default:
        return false;
    }
  }
  if (clock) clock_.restore(*clock, clock_.steps_back(), epoch_start);
  held_answer_ = held;
  request_time_ = request_time;
  last_sent_stamp_.assign(sent_stamp);
  last_sent_text_.assign(sent_text);
  for (const Saved& saved : pending) {
    requests_.add(saved.client, saved.reference, saved.request, saved.received);
  }
  return true;
}

}  // namespace tse::tserver
