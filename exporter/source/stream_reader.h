#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tse {

/// Where the reading of a segment starts.
enum class SegmentStart {
  kFirstByte,  // the bytes that follow are the file from byte 0
  kEnd,        // the file was there before the exporter: reading joins at its end
  kResume,     // reading resumes where a saved checkpoint said
};

/// How a segment begins, for StreamReader::begin_segment.
struct SegmentBegin {
  std::string_view path;
  SegmentStart start = SegmentStart::kFirstByte;
  /// kEnd and kResume: the file's first bytes (up to 64 KiB), for its header.
  std::string_view head;
  /// kEnd and kResume: the file offset of the first byte that follows.
  std::uint64_t offset = 0;
  /// kEnd: the byte before `offset` is not a LF (the bytes that follow end a line whose start
  /// was not read).
  bool mid_line = false;
  /// kResume: the reader's context saved with the checkpoint.
  std::string_view context;
  /// File sources: the index of the glob that matched the file (its source's name, if any).
  std::size_t glob = 0;
};

/// The consumer of one log stream: the successive files (segments) of one log, in order. The
/// tailer knows files, not formats: what the bytes mean is the reader's business.
class StreamReader {
 public:
  virtual ~StreamReader() = default;
  virtual void begin_segment(const SegmentBegin& begin) = 0;
  virtual void feed(std::string_view bytes) = 0;
  /// No bytes arrived for the idle interval.
  virtual void idle() = 0;
  /// The true end of input (one-shot mode).
  virtual void finish() = 0;

  /// Where reading must resume after a restart so that nothing is counted twice or lost: the
  /// segment, as the number of its begin_segment call (from 1; 0 when none began), the offset
  /// in that file, and an opaque context to hand back with kResume.
  struct Checkpoint {
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;
    std::string context;
  };
  [[nodiscard]] virtual Checkpoint checkpoint() const = 0;
};

/// A stream's saved position: which file (device, inode, and a fingerprint of its first bytes,
/// so that a reused inode or a rewritten file is not taken for it), where in it, and the
/// reader's context.
struct StreamPosition {
  std::string stream;  // the tailer's stream key: directory + '/' + stream key
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint32_t fingerprint_size = 0;
  std::uint64_t fingerprint = 0;
  std::uint64_t offset = 0;
  std::string context;
  bool operator==(const StreamPosition&) const = default;
};

}  // namespace tse
