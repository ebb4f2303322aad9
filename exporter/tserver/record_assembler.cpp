#include "tserver/record_assembler.h"

#include "tserver/log_line.h"

#include <cstdio>

namespace tse::tserver {
namespace {
constexpr std::string_view kEventError = "EventError";
}

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
    // Shape B: the 04542 record is the header of the column-0 dump right after it.
    if (parse_column0_message(line) == kEventError) {
      pending_sent_ = false;
      unpaired_dump_ = false;
      previous_ = Previous::kOther;
      start_dump(kEventError, /*shape_b=*/true);
      return;
    }
    resolve_pending_sent();
  }
  // Nothing is open now: a record this line opens can be resumed from here with this context.
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
    return;
  }
  ++stats_.unrecognized;
}

void RecordAssembler::flush() {
  if (dump_ != Dump::kNone) finish_dump();
  if (pending_sent_) resolve_pending_sent();
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
  const bool event_error_sent = record->id == kEventSentId && is_event_error_sent(record->text);
  if (is_event_error_interaction(record->text)) {
    previous_ = Previous::kOther;  // the same EventError traced again: neither record nor trailer
    return;
  }
  // A trailer is the record right after its dump: any other record ends the pairing.
  if (!event_error_sent) unpaired_dump_ = false;
  switch (record->id) {
    case kEventSentId:
      previous_ = Previous::kEventSent;
      if (event_error_sent) {
        mark_record_start();
        pending_sent_ = true;
      }
      break;
    case kRequestReceivedId:
      previous_ = Previous::kRequestReceived;
      break;
    default:
      previous_ = Previous::kOther;
      break;
  }
}

void RecordAssembler::start_dump(std::string_view name, bool shape_b) {
  ++stats_.records;
  if (!shape_b) mark_record_start();  // a shape-B dump continues the record of its 04542 line
  unpaired_dump_ = false;             // a new dump: the previous one's trailer did not come
  dump_ = name == kEventError ? Dump::kEventError : Dump::kOther;
  dump_shape_b_ = shape_b;
  dump_indent_known_ = false;
  dump_has_code_ = false;
  dump_code_malformed_ = false;
  dump_sequence_.reset();
}

void RecordAssembler::on_body_line(std::string_view line) {
  if (dump_ != Dump::kEventError) return;  // only EventError bodies are read
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
  }
}

void RecordAssembler::finish_dump() {
  const Dump dump = dump_;
  dump_ = Dump::kNone;
  if (dump != Dump::kEventError) return;
  if (dump_sequence_ && dump_sequence_ == last_sequence_) {
    ++stats_.duplicates;
  } else {
    if (!dump_has_code_) ++stats_.malformed;
    report(dump_has_code_ ? std::optional<std::int64_t>(dump_code_) : std::nullopt);
  }
  if (dump_sequence_) last_sequence_ = dump_sequence_;
  // A shape-A dump's trailer is still to come; a shape-B dump came after its record.
  unpaired_dump_ = !dump_shape_b_;
}

void RecordAssembler::resolve_pending_sent() {
  pending_sent_ = false;
  if (unpaired_dump_) {
    unpaired_dump_ = false;  // the trailer of a dump already counted
    return;
  }
  report(std::nullopt);  // logged at trace verbosity: the record alone, no dump
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

void RecordAssembler::report(std::optional<std::int64_t> code) {
  ++stats_.event_errors;
  sink_.on_event_error(EventErrorReport{code});
}

}  // namespace tse::tserver
