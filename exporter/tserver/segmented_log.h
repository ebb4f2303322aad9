#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "framer/line_framer.h"
#include "tserver/record_assembler.h"

namespace tse::tserver {

/// Receives, besides the EventErrors, the end of each segment's header block.
class SegmentSink : public RecordSink {
 public:
  /// Called once per segment started with begin_segment(), before any of its records:
  /// `application_name` is the header's `Application name` value, empty when there is none.
  virtual void on_segment_header(std::string_view application_name) = 0;
};

/// One T-Server's log as the ordered bytes of its segments (contract section 1).
///
/// Every segment starts with a header block of `Key: value` lines up to the first empty line:
/// it is read for the `Application name` and never parsed as records. A record, or even a line,
/// that the previous segment left unfinished continues after the next segment's header, so the
/// framer and the assembler carry over from one segment to the next.
///
/// Pure: bytes in, reports out, no I/O. Not thread-safe: one per T-Server log, one thread.
class SegmentedLog {
 public:
  SegmentedLog(SegmentSink& sink, std::size_t max_line_bytes = LineFramer::kDefaultMaxLineBytes,
               AssemblerOptions options = {})
      : sink_(sink), framer_(max_line_bytes), assembler_(sink, options) {}

  /// The bytes fed next are byte 0 of a new segment.
  void begin_segment();
  /// The bytes fed next continue a segment's body from `file_offset` (follow from the end). With
  /// `mid_line`, they start inside a line: that line's rest is dropped, never parsed.
  void begin_midway(std::uint64_t file_offset, bool mid_line = false);

  /// The bytes fed next are a segment's from `offset` on, where a checkpoint() said to resume;
  /// the assembler restarts from the saved context. Offset 0 is a segment's start (header read).
  /// `pairing` is the checkpoint's pairing state (empty in state files of earlier versions).
  void resume(std::uint64_t offset, const RecordAssembler::Context& context,
              std::string_view pairing = {});

  void feed(std::string_view bytes);

  /// Where to resume so that nothing is counted twice or lost: the segment (by the serial
  /// number of its begin_segment/begin_midway/resume call, from 1), the offset in it of the
  /// first byte not yet fully counted (a line start: an open record or an unterminated line is
  /// read again), and the assembler's context at that point.
  struct Checkpoint {
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;
    RecordAssembler::Context context;
    std::string pairing;  // RecordAssembler::pairing_state(): the same at that point
  };
  [[nodiscard]] Checkpoint checkpoint() const;
  [[nodiscard]] std::uint64_t segment_serial() const { return serial_; }

  /// True end of input: the unterminated last line counts as a line, open records are closed.
  void finish();

  /// The stream went quiet. If it stopped at a line boundary, closes the open records (a dump
  /// waiting for the line after it); an unterminated line is kept.
  void flush_if_idle();

  /// The first header block in `head` (the first bytes of a segment); the `Application name`
  /// value, or empty. For segments that are joined midway, whose header is not fed.
  static std::string application_name_in(std::string_view head);

  [[nodiscard]] std::uint64_t lines() const { return framer_.lines(); }
  /// Lines over the line limit, each counted once, also when it spans segments.
  [[nodiscard]] std::uint64_t lines_too_long() const {
    return framer_.lines_too_long() + held_too_long_lines_ - counted_twice_;
  }
  /// Bytes of an unfinished line held from a previous segment: never over the line limit.
  [[nodiscard]] std::size_t held_bytes() const { return held_partial_.size(); }
  [[nodiscard]] std::uint64_t header_lines() const { return header_lines_; }
  [[nodiscard]] AssemblerStats stats() const { return assembler_.stats(); }
  [[nodiscard]] bool at_line_boundary() const {
    return framer_.at_line_boundary() && held_partial_.empty() && !held_too_long_;
  }
  [[nodiscard]] bool has_open_record() const { return assembler_.has_open_record(); }

 private:
  enum class Phase { kHeaderStart, kHeader, kBody };
  static constexpr std::uint32_t kMaxHeaderLines = 256;

  struct SegmentSpan {
    std::uint64_t serial;
    std::uint64_t stream_start;  // framer position of its first byte fed
    std::uint64_t file_offset;   // file offset of that byte
  };

  void hold_partial();
  void on_line(std::string_view line);
  void end_header();
  void body_line(std::string_view line);
  void emit_joined();
  void note_line(std::uint64_t start);
  void open_segment(std::uint64_t file_offset);
  [[nodiscard]] std::uint64_t resume_position() const;

  SegmentSink& sink_;
  LineFramer framer_;
  RecordAssembler assembler_;
  Phase phase_ = Phase::kBody;
  std::uint32_t phase_lines_ = 0;
  std::string application_name_;  // of the header being read
  std::string held_partial_;      // the previous segment's unfinished last line
  std::uint64_t held_start_ = 0;  // its stream position
  // The previous segment's unfinished last line is over the line limit (and counted): its rest,
  // up to the next LF after the next header, is dropped.
  bool held_too_long_ = false;
  std::uint64_t held_mark_ = 0;            // framer_.lines_too_long() when it was held
  std::uint64_t held_too_long_lines_ = 0;  // held lines found over the limit here
  std::uint64_t counted_twice_ = 0;        // ... that the framer counted too
  std::string joined_;                     // scratch for held_partial_ + first body line
  std::uint64_t header_lines_ = 0;

  std::uint64_t serial_ = 0;
  std::deque<SegmentSpan> segments_;  // recent segments, oldest first
  std::uint64_t record_start_ = 0;    // stream position of the open record's first line
  std::uint64_t dump_start_ = 0;      // ... and of the dump being read
  std::uint64_t dump_line_ = 0;       // the assembler's line number of that dump's first line
};

}  // namespace tse::tserver
