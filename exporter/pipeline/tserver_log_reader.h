#pragma once

#include <string>
#include <string_view>

#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "source/file_tailer.h"
#include "tserver/segmented_log.h"

namespace tse {

/// Joins the pipeline for one T-Server log: bytes from a source, through the T-Server parser,
/// into that T-Server's EventError counters and the self-metrics.
///
/// The `tserver` label is the `Application name` of the segment's header, else the file's base
/// name before the segment time stamp. The T-Server's series are created (at 0) when its label is
/// first known. Not thread-safe: called by its source on the event loop's thread.
class TServerLogReader final : public StreamReader, private tserver::SegmentSink {
 public:
  TServerLogReader(ErrorMetrics& errors, SelfMetrics& self,
                   std::size_t max_line_bytes = LineFramer::kDefaultMaxLineBytes);

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
  ErrorMetrics::TServer& counters();
  void use_label(std::string_view label);
  void publish();

  ErrorMetrics& errors_;
  SelfMetrics& self_;
  tserver::SegmentedLog log_;
  std::string fallback_label_;  // from the file name of the current segment
  ErrorMetrics::TServer* counters_ = nullptr;
  std::uint64_t bytes_ = 0;
  ParseTotals published_;
};

}  // namespace tse
