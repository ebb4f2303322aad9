#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "source/file_tailer.h"
#include "tserver/segmented_log.h"

namespace tse {

/// The `tserver` name of each file source's glob, by SegmentBegin::glob, for the readers of a
/// file source. A reload replaces it and moves `generation` on: a reader then takes the new name
/// of its segment's glob for what it reads from there on (as a restart would), without waiting
/// for the next segment. Owned by the Exporter, read on the counting thread.
struct GlobNames {
  std::vector<std::string> globs;     // in TailerOptions' order
  std::vector<std::string> tservers;  // each glob's name; empty: from the log
  std::uint64_t generation = 0;
};

/// Joins the pipeline for one T-Server log: bytes from a source, through the T-Server parser,
/// into that T-Server's EventError counters and the self-metrics.
///
/// The `tserver` label is the `Application name` of the segment's header, else the file's base
/// name before the segment time stamp; a named source's name (`tserver:` in the configuration)
/// wins over both. The T-Server's series are created (at 0) when its label is
/// first known. A source that caps its labels passes an admission hook: a label it refuses
/// counts nothing (the source drops and counts those lines). Not thread-safe: called by its
/// source on the event loop's thread.
class TServerLogReader final : public StreamReader, private tserver::SegmentSink {
 public:
  /// True when the reader may count under `label`.
  using Admission = std::function<bool(std::string_view label)>;

  TServerLogReader(ErrorMetrics& errors, SelfMetrics& self,
                   std::size_t max_line_bytes = LineFramer::kDefaultMaxLineBytes,
                   Admission admit = {}, tserver::AssemblerOptions options = {});

  /// Everything this reader reads counts under `tserver` (a named source), whatever its header
  /// or file name says; empty: from the log. Call before the first byte.
  void name(std::string tserver) { name_ = std::move(tserver); }
  /// File sources: the name of each glob's source (see GlobNames). `names` outlives the reader.
  void name_globs(const GlobNames* names) { glob_names_ = names; }

  void begin_segment(const SegmentBegin& begin) override;
  void feed(std::string_view bytes) override;
  void idle() override;
  void finish() override;
  [[nodiscard]] Checkpoint checkpoint() const override;

 private:
  void on_segment_header(std::string_view application_name) override;
  void on_event_error(const tserver::EventErrorReport& report) override;
  void on_request(std::string_view name) override;
  void on_link_disconnected() override;
  void on_iscc_error(std::optional<std::int64_t> code) override;
  void on_answer(const tserver::AnswerReport& answer) override;
  void on_unanswered(std::string_view request) override;
  ErrorMetrics::TServer* counters();  // nullptr while the label is refused
  void rename();                      // the glob names changed (a reload)
  void use_label(std::string_view label);
  void publish();

  ErrorMetrics& errors_;
  SelfMetrics& self_;
  tserver::SegmentedLog log_;
  std::string fallback_label_;  // the name in force, else the file's (before the header)
  std::string file_label_;      // from the file name of the current segment
  std::string log_label_;       // from the current segment's header, once read
  std::string name_;            // a named source's: wins over the log's own
  const GlobNames* glob_names_ = nullptr;
  std::string glob_;              // the glob of the current segment, if from a file source
  std::uint64_t names_seen_ = 0;  // glob_names_->generation when named_ was taken
  std::string named_;             // the name in force for the current segment, if any
  ErrorMetrics::TServer* counters_ = nullptr;
  // The answer-time series of counters_ by the assembler's request number (AnswerReport): at
  // most RequestTracker::kMaxNames, 8 bytes each; emptied when the label changes.
  std::vector<ErrorMetrics::TServer::DurationSeries*> durations_;
  ErrorMetrics::TServer* durations_owner_ = nullptr;
  Admission admit_;
  bool refused_ = false;  // admit_ said no to the current label
  std::uint64_t bytes_ = 0;
  ParseTotals published_;
};

}  // namespace tse
