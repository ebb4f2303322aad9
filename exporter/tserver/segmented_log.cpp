#include "tserver/segmented_log.h"

#include "tserver/log_line.h"

namespace tse::tserver {
namespace {
constexpr std::string_view kApplicationName = "Application name";
}

void SegmentedLog::open_segment(std::uint64_t file_offset) {
  // Spans older than the one holding the resume position are not needed any more.
  const std::uint64_t keep = resume_position();
  while (segments_.size() > 1 && segments_[1].stream_start <= keep) segments_.pop_front();
  segments_.push_back(SegmentSpan{++serial_, framer_.position(), file_offset});
}

// The line the previous segment left unfinished continues after the next header: hold its
// bytes, but never more than the line limit (a segment tail without LF, again and again, would
// otherwise grow without bound): past it the line is counted too long once and its rest dropped.
void SegmentedLog::hold_partial() {
  const bool framer_skipping = framer_.partial_bytes() == 0 && !framer_.at_line_boundary();
  if (held_partial_.empty() && !held_too_long_) held_start_ = framer_.line_end();
  const std::string partial = framer_.take_partial();
  if (framer_skipping) {  // the framer counted this line too long already
    if (held_too_long_ && framer_.lines_too_long() > held_mark_) ++counted_twice_;
    held_partial_.clear();
    held_too_long_ = true;
  } else if (held_too_long_) {
    // more of a line already counted too long
  } else if (held_partial_.size() + partial.size() > framer_.max_line_bytes()) {
    ++held_too_long_lines_;
    held_partial_.clear();
    held_too_long_ = true;
  } else {
    held_partial_.append(partial);
  }
  held_mark_ = framer_.lines_too_long();
}

void SegmentedLog::begin_segment() {
  if (phase_ != Phase::kBody) end_header();  // the previous segment was all header
  hold_partial();
  open_segment(0);
  phase_ = Phase::kHeaderStart;
  phase_lines_ = 0;
  application_name_.clear();
}

void SegmentedLog::begin_midway(std::uint64_t file_offset, bool mid_line) {
  if (phase_ != Phase::kBody) end_header();
  open_segment(file_offset);
  phase_ = Phase::kBody;
  if (mid_line) framer_.skip_to_next_line();
}

void SegmentedLog::resume(std::uint64_t offset, const RecordAssembler::Context& context,
                          std::string_view pairing) {
  if (offset == 0) {
    begin_segment();
  } else {
    if (phase_ != Phase::kBody) end_header();
    framer_.restart_line();
    held_partial_.clear();
    held_too_long_ = false;
    open_segment(offset);
    phase_ = Phase::kBody;
  }
  assembler_.restore(context);
  if (!pairing.empty()) assembler_.restore_pairing(pairing);
}

std::uint64_t SegmentedLog::resume_position() const {
  std::uint64_t position = assembler_.has_open_record() ? record_start_ : framer_.line_end();
  if (!held_partial_.empty() || held_too_long_) position = std::min(position, held_start_);
  if (phase_ != Phase::kBody && !segments_.empty()) {
    position = std::min(position, segments_.back().stream_start);  // the header is read again
  }
  return position;
}

SegmentedLog::Checkpoint SegmentedLog::checkpoint() const {
  Checkpoint checkpoint;
  checkpoint.context =
      assembler_.has_open_record() ? assembler_.open_record_context() : assembler_.context();
  checkpoint.pairing = assembler_.pairing_state();
  if (segments_.empty()) return checkpoint;
  const std::uint64_t position = resume_position();
  const SegmentSpan* span = &segments_.front();
  for (const auto& candidate : segments_)
    if (candidate.stream_start <= position) span = &candidate;
  checkpoint.segment = span->serial;
  checkpoint.offset = span->file_offset + (position - span->stream_start);
  return checkpoint;
}

void SegmentedLog::feed(std::string_view bytes) {
  framer_.feed(bytes, [this](std::string_view line) { on_line(line); });
}

void SegmentedLog::finish() {
  framer_.finish([this](std::string_view line) { on_line(line); });
  if (phase_ != Phase::kBody) end_header();
  held_too_long_ = false;
  if (!held_partial_.empty()) {
    joined_.swap(held_partial_);
    held_partial_.clear();
    emit_joined();
  }
  assembler_.flush();
}

void SegmentedLog::flush_if_idle() {
  if (at_line_boundary() && phase_ == Phase::kBody) assembler_.flush();
}

void SegmentedLog::on_line(std::string_view line) {
  if (phase_ == Phase::kBody) {
    body_line(line);
    return;
  }
  if (line.empty() && phase_ == Phase::kHeader) {  // the empty line that closes the header
    ++header_lines_;
    end_header();
    return;
  }
  const auto header = parse_header_line(line);
  if (!header || ++phase_lines_ > kMaxHeaderLines) {  // no header, or no end to it
    end_header();
    body_line(line);
    return;
  }
  ++header_lines_;
  phase_ = Phase::kHeader;
  if (header->key == kApplicationName && application_name_.empty()) {
    application_name_.assign(header->value);
  }
}

void SegmentedLog::end_header() {
  phase_ = Phase::kBody;
  sink_.on_segment_header(application_name_);
}

void SegmentedLog::body_line(std::string_view line) {
  if (!held_partial_.empty() || held_too_long_) {
    const bool skipped =
        framer_.lines_too_long() > held_mark_;  // the held line's rest, by the framer
    if (skipped || held_too_long_ ||
        held_partial_.size() + line.size() > framer_.max_line_bytes()) {
      if (skipped && held_too_long_) ++counted_twice_;
      if (!skipped && !held_too_long_) ++held_too_long_lines_;
      held_partial_.clear();
      held_too_long_ = false;
      if (!skipped) return;  // `line` is the rest of the line over the limit
    } else {
      joined_.swap(held_partial_);
      held_partial_.clear();
      joined_.append(line);
      emit_joined();
      return;
    }
  }
  assembler_.on_line(line);
  note_line(framer_.line_start());
}

// Keeps the stream positions of the lines where the open record, or the dump being read, began:
// the open record can move forward to the dump's first line (see RecordAssembler).
void SegmentedLog::note_line(std::uint64_t start) {
  const std::uint64_t line = assembler_.lines_seen();
  // The open record moves to a dump when the line after it ends it; that line can itself start
  // the next dump, so compare with the dump noted before this line's, then note this one.
  if (assembler_.open_record_line() == line) {
    record_start_ = start;
  } else if (assembler_.open_record_line() == dump_line_) {
    record_start_ = dump_start_;
  }
  if (assembler_.dump_start_line() == line) {
    dump_start_ = start;
    dump_line_ = line;
  }
}

void SegmentedLog::emit_joined() {
  const std::uint64_t start = held_start_;  // the line began in the previous segment
  // The framer strips CRs at a LF; a line cut between its CR and its LF keeps the CR here.
  std::string_view line = joined_;
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  assembler_.on_line(line);
  note_line(start);
  joined_.clear();
}

std::string SegmentedLog::application_name_in(std::string_view head) {
  std::size_t pos = 0;
  std::uint32_t lines = 0;
  while (pos < head.size() && lines++ < kMaxHeaderLines) {
    std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) return {};  // the header is not complete in `head`
    std::string_view line = head.substr(pos, nl - pos);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto header = parse_header_line(line);
    if (!header) return {};
    if (header->key == kApplicationName) return std::string(header->value);
    pos = nl + 1;
  }
  return {};
}

}  // namespace tse::tserver
