#include "tserver/segmented_log.h"

#include "tserver/log_line.h"

namespace tse::tserver {
namespace {
constexpr std::string_view kApplicationName = "Application name";
}

void SegmentedLog::begin_segment() {
  if (phase_ != Phase::kBody) end_header();  // the previous segment was all header
  std::string partial = framer_.take_partial();
  held_partial_.append(partial);
  phase_ = Phase::kHeaderStart;
  phase_lines_ = 0;
  application_name_.clear();
}

void SegmentedLog::begin_midway(bool mid_line) {
  if (phase_ != Phase::kBody) end_header();
  phase_ = Phase::kBody;
  if (mid_line) framer_.skip_to_next_line();
}

void SegmentedLog::feed(std::string_view bytes) {
  framer_.feed(bytes, [this](std::string_view line) { on_line(line); });
}

void SegmentedLog::finish() {
  framer_.finish([this](std::string_view line) { on_line(line); });
  if (phase_ != Phase::kBody) end_header();
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
  if (held_partial_.empty()) {
    assembler_.on_line(line);
    return;
  }
  joined_.swap(held_partial_);
  held_partial_.clear();
  joined_.append(line);
  emit_joined();
}

void SegmentedLog::emit_joined() {
  // The framer strips CRs at a LF; a line cut between its CR and its LF keeps the CR here.
  std::string_view line = joined_;
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  assembler_.on_line(line);
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
