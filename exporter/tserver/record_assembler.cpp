#include "tserver/record_assembler.h"

#include <cstdio>

#include "tserver/log_line.h"

namespace tse::tserver {
namespace {
constexpr std::string_view kEventError = "EventError";
constexpr std::string_view kLinkDisconnected = "EventLinkDisconnected";
constexpr std::string_view kIsccError = "ISCCEventError";
}  // namespace

void RecordAssembler::on_line(std::string_view line) {
  ++lines_;
  if (dump_ != Dump::kNone) {
    if (is_indented(line)) {
      on_body_line(line);
      return;
    }
    finish_dump();  // a dump ends at the first line that does not start with whitespace
  }
  if (line.empty()) return;
  if (pending_sent_) {
    // Shape B: the 04542 record is the header of the column-0 dump right after it (when it also
    // served as a held dump's trailer, that dump is counted; this is a new event).
    if (parse_column0_message(line) == kEventError) {
      pending_sent_ = false;
      pending_was_trailer_ = false;
      previous_ = Previous::kOther;
      start_dump(kEventError, /*shape_b=*/true);
      return;
    }
    resolve_pending_sent();
  }
  // Nothing is open now but a held dump: a record this line opens can be resumed from here.
  line_context_ = context();
  if (is_indented(line)) {  // a body line with no dump open: nothing to count
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
    } else if (at.kind == AtLineKind::kBackupCopy) {
      ++stats_.backup_copies;
      report_held({});
      mark_record_start();
      dump_ = Dump::kBackupCopy;
      previous_ = Previous::kBackupCopy;
    } else {
      ++stats_.unrecognized;
    }
    return;
  }
  const std::string_view name = parse_column0_message(line);
  if (!name.empty() && previous == Previous::kBackupCopy) {
    mark_record_start();
    dump_ = Dump::kBackupCopy;  // the copy's own `message <Name>` header: skip its body too
    return;
  }
  if (!name.empty() &&
      (previous == Previous::kRequestReceived || previous == Previous::kEventSent)) {
    start_dump(name, /*shape_b=*/false);
    if (previous == Previous::kRequestReceived && name.starts_with("Request")) {
      dump_ = Dump::kRequest;
      dump_name_.assign(name);
    }
    return;
  }
  ++stats_.unrecognized;
}

void RecordAssembler::flush() {
  if (dump_ != Dump::kNone) finish_dump();
  if (pending_sent_) resolve_pending_sent();
  if (held_) {
    report_held({});
    unpaired_dump_ = true;  // a trailer that comes after all is still only a trailer
  }
  // What was open is counted now: a column-0 dump arriving late must not count it again.
  previous_ = Previous::kOther;
}

void RecordAssembler::on_record(std::string_view line) {
  const auto record = parse_standard_record(line);
  if (!record) {
    ++stats_.unrecognized;
    previous_ = Previous::kOther;
    return;
  }
  ++stats_.records;
  if (is_event_error_interaction(record->text)) {
    previous_ = Previous::kOther;  // the same EventError traced again: neither record nor trailer
    return;
  }
  if (record->id == kEventSentId && is_event_error_sent(record->text)) {
    const std::string_view client = record_client(record->text);
    if (held_) {  // the trailer of the dump just before: now its client is known
      report_held(client);
      unpaired_dump_ = true;
      line_context_ = context();  // resuming at this line: it is a counted dump's trailer
    }
    mark_record_start();
    pending_sent_ = true;
    pending_was_trailer_ = unpaired_dump_;
    unpaired_dump_ = false;
    pending_client_.assign(client);
    previous_ = Previous::kEventSent;
    return;
  }
  // A trailer is the record right after its dump: any other record ends the pairing.
  report_held({});
  unpaired_dump_ = false;
  switch (record->id) {
    case kEventSentId:
      previous_ = Previous::kEventSent;
      break;
    case kRequestReceivedId:
      previous_ = Previous::kRequestReceived;
      ++stats_.requests;
      request_client_.assign(record_client(record->text));
      sink_.on_request(first_word(record->text));
      break;
    default:
      previous_ = Previous::kOther;
      break;
  }
}

void RecordAssembler::start_dump(std::string_view name, bool shape_b) {
  ++stats_.records;
  if (!shape_b) {  // a shape-B dump continues the record of its 04542 line
    report_held({});  // a new dump: the previous one's trailer did not come
    unpaired_dump_ = false;
    mark_record_start();
  }
  dump_ = name == kEventError          ? Dump::kEventError
          : name == kLinkDisconnected ? Dump::kLinkDisconnected
          : name == kIsccError        ? Dump::kIsccError
                                      : Dump::kOther;
  dump_shape_b_ = shape_b;
  dump_indent_known_ = false;
  dump_has_code_ = false;
  dump_code_malformed_ = false;
  dump_sequence_.reset();
  dump_reference_.reset();
}

void RecordAssembler::on_body_line(std::string_view line) {
  if (dump_ == Dump::kOther || dump_ == Dump::kBackupCopy) return;  // nothing to read there
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
    if (dump_reference_) requests_.add(request_client_, *dump_reference_, dump_name_);
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
  if (dump_shape_b_) {
    if (!repeat) report(code, dump_reference_, pending_client_);
    return;
  }
  // Shape A: counted when its trailer, which names the client, or the next record arrives.
  held_ = true;
  held_counts_ = !repeat;
  held_code_ = code;
  held_reference_ = dump_reference_;
}

void RecordAssembler::resolve_pending_sent() {
  pending_sent_ = false;
  if (pending_was_trailer_) {
    pending_was_trailer_ = false;  // the trailer of a dump already counted
    return;
  }
  report(std::nullopt, std::nullopt, pending_client_);  // trace verbosity: the record alone
}

void RecordAssembler::report_held(std::string_view client) {
  if (!held_) return;
  held_ = false;
  if (held_counts_) report(held_code_, held_reference_, client);
}

void RecordAssembler::mark_record_start() {
  open_line_ = lines_;
  open_context_ = line_context_;
}

RecordAssembler::Context RecordAssembler::context() const {
  return Context{unpaired_dump_, last_sequence_, static_cast<std::uint8_t>(previous_)};
}

void RecordAssembler::restore(const Context& context) {
  dump_ = Dump::kNone;
  pending_sent_ = false;
  pending_was_trailer_ = false;
  held_ = false;
  unpaired_dump_ = context.unpaired_dump;
  last_sequence_ = context.last_sequence;
  previous_ = context.previous <= static_cast<std::uint8_t>(Previous::kBackupCopy)
                  ? static_cast<Previous>(context.previous)
                  : Previous::kOther;
}

std::string RecordAssembler::Context::serialize() const {
  char buf[64];
  if (last_sequence) {
    std::snprintf(buf, sizeof buf, "%d:%llx:%u", unpaired_dump ? 1 : 0,
                  static_cast<unsigned long long>(*last_sequence), previous);
  } else {
    std::snprintf(buf, sizeof buf, "%d:-:%u", unpaired_dump ? 1 : 0, previous);
  }
  return buf;
}

std::optional<RecordAssembler::Context> RecordAssembler::Context::parse(std::string_view text) {
  const std::size_t a = text.find(':');
  const std::size_t b = a == std::string_view::npos ? a : text.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const std::string_view unpaired = text.substr(0, a);
  const std::string_view sequence = text.substr(a + 1, b - a - 1);
  const std::string_view previous = text.substr(b + 1);
  Context context;
  if (unpaired != "0" && unpaired != "1") return std::nullopt;
  context.unpaired_dump = unpaired == "1";
  if (sequence != "-") {
    context.last_sequence = parse_hex(sequence);
    if (!context.last_sequence) return std::nullopt;
  }
  if (previous.size() != 1 || previous[0] < '0' || previous[0] > '3') return std::nullopt;
  context.previous = static_cast<std::uint8_t>(previous[0] - '0');
  return context;
}

void RecordAssembler::report(std::optional<std::int64_t> code,
                             std::optional<std::uint64_t> reference, std::string_view client) {
  ++stats_.event_errors;
  const std::string_view request =
      reference ? requests_.answer(client, *reference) : std::string_view();
  sink_.on_event_error(EventErrorReport{code, request});
}

}  // namespace tse::tserver
