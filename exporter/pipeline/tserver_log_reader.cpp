#include "pipeline/tserver_log_reader.h"

#include <algorithm>

#include "os/path.h"
#include "tserver/segment_name.h"

namespace tse {

TServerLogReader::TServerLogReader(ErrorMetrics& errors, SelfMetrics& self,
                                   std::size_t max_line_bytes, Admission admit,
                                   tserver::AssemblerOptions options)
    : errors_(errors),
      self_(self),
      log_(*this, max_line_bytes, options),
      admit_(std::move(admit)) {}

void TServerLogReader::begin_segment(const SegmentBegin& begin) {
  file_label_.assign(tserver::segment_base_name(os::file_name(begin.path)));
  log_label_.clear();
  named_ = name_;
  glob_.clear();
  if (glob_names_ != nullptr && begin.glob < glob_names_->globs.size()) {
    glob_ = glob_names_->globs[begin.glob];
    names_seen_ = glob_names_->generation;
    if (begin.glob < glob_names_->tservers.size() && !glob_names_->tservers[begin.glob].empty()) {
      named_ = glob_names_->tservers[begin.glob];
    }
  }
  fallback_label_ = named_.empty() ? file_label_ : named_;
  switch (begin.start) {
    case SegmentStart::kFirstByte:
      log_.begin_segment();  // the header block arrives as bytes: see on_segment_header()
      return;
    case SegmentStart::kEnd:
      log_.begin_midway(begin.offset, begin.mid_line);
      break;
    case SegmentStart::kResume: {
      // `<context> <pairing>`; earlier versions saved the context alone.
      const std::size_t space = begin.context.find(' ');
      const auto context = tserver::RecordAssembler::Context::parse(begin.context.substr(0, space));
      log_.resume(
          begin.offset, context.value_or(tserver::RecordAssembler::Context{}),
          space == std::string_view::npos ? std::string_view{} : begin.context.substr(space + 1));
      if (begin.offset == 0) return;  // the header is read again as bytes
      break;
    }
  }
  on_segment_header(tserver::SegmentedLog::application_name_in(begin.head));
}

StreamReader::Checkpoint TServerLogReader::checkpoint() const {
  const auto checkpoint = log_.checkpoint();
  return Checkpoint{checkpoint.segment, checkpoint.offset,
                    checkpoint.context.serialize() + ' ' + checkpoint.pairing};
}

void TServerLogReader::feed(std::string_view bytes) {
  bytes_ += bytes.size();
  log_.feed(bytes);
  publish();
}

void TServerLogReader::idle() {
  log_.flush_if_idle();
  publish();
}

void TServerLogReader::finish() {
  log_.finish();
  publish();
}

void TServerLogReader::on_segment_header(std::string_view application_name) {
  log_label_.assign(application_name);
  use_label(!named_.empty() || application_name.empty() ? std::string_view(fallback_label_)
                                                        : application_name);
}

// A reload renamed globs: the current segment's glob's name applies from here on. Counts already
// made stay under the old name (counters never go back).
void TServerLogReader::rename() {
  names_seen_ = glob_names_->generation;
  if (glob_.empty()) return;
  const auto& globs = glob_names_->globs;
  const auto it = std::find(globs.begin(), globs.end(), glob_);
  if (it == globs.end()) return;  // its glob was removed: the stream stops
  const auto index = static_cast<std::size_t>(it - globs.begin());
  std::string next = index < glob_names_->tservers.size() ? glob_names_->tservers[index] : "";
  if (next.empty()) next = name_;
  if (next == named_) return;
  named_ = std::move(next);
  if (!named_.empty()) {
    fallback_label_ = named_;
  } else {
    fallback_label_ = log_label_.empty() ? file_label_ : log_label_;
  }
  if (counters_ != nullptr || refused_) use_label(fallback_label_);
}

void TServerLogReader::use_label(std::string_view label) {
  if (label.empty()) label = "unknown";
  refused_ = admit_ && !admit_(label);
  counters_ = refused_ ? nullptr : &errors_.tserver(label);
}

ErrorMetrics::TServer* TServerLogReader::counters() {
  if (glob_names_ != nullptr && glob_names_->generation != names_seen_) rename();
  if (counters_ == nullptr && !refused_) use_label(fallback_label_);  // no segment start yet
  return counters_;
}

void TServerLogReader::on_event_error(const tserver::EventErrorReport& report) {
  if (auto* c = counters()) c->count(report.code, report.request);
}

void TServerLogReader::on_request(std::string_view name) {
  if (auto* c = counters()) c->count_request(name);
}

void TServerLogReader::on_link_disconnected() {
  if (auto* c = counters()) c->count_link_disconnected();
}

void TServerLogReader::on_iscc_error(std::optional<std::int64_t> code) {
  if (auto* c = counters()) c->count_iscc_error(code);
}

void TServerLogReader::on_answer(const tserver::AnswerReport& answer) {
  auto* c = counters();
  if (c == nullptr) return;
  if (c != durations_owner_) {  // another label since the last answer: its own series
    durations_.clear();
    durations_owner_ = c;
  }
  if (answer.request_id >= durations_.size()) durations_.resize(answer.request_id + 1, nullptr);
  auto*& series = durations_[answer.request_id];
  if (series == nullptr) series = &c->durations_of(answer.request);
  c->observe_duration(*series, static_cast<double>(answer.micros) / 1e6);
}

void TServerLogReader::on_unanswered(std::string_view request) {
  if (auto* c = counters()) c->count_unanswered(request);
}

void TServerLogReader::publish() {
  errors_.flush_durations();  // before anything reads the counts: see flush_durations()
  const auto& stats = log_.stats();
  const ParseTotals now{
      .bytes = bytes_,
      .lines = log_.lines(),
      .records = stats.records,
      .lines_too_long = log_.lines_too_long(),
      .lines_unrecognized = stats.unrecognized,
      .duplicates = stats.duplicates,
      .backup_copies = stats.backup_copies,
      .malformed = stats.malformed,
      .requests_evicted = stats.requests_evicted,
      .header_lines = log_.header_lines(),
      .sip_stack_lines = stats.sip_stack_lines,
      .trigger_lines = stats.trigger_lines,
      .sip_message_lines = stats.sip_message_lines,
      .stray_indented = stats.stray_indented,
      .durations_skipped = stats.durations_skipped,
      .clock_steps_back = stats.clock_steps_back,
  };
  self_.publish(now, published_);
}

}  // namespace tse
