#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metrics/self_metrics.h"
#include "source/segment_sequence.h"
#include "source/stream_reader.h"

namespace tse {

/// How a stream resumes where an earlier run saved its position.
struct ResumePlan {
  /// In reading order: the saved file from its offset (when found), then the newer segments
  /// (a later name, or the same name on a new file) from byte 0.
  std::vector<std::unique_ptr<FileSegment>> to_read;
  /// Older segments, read before the restart: never read again.
  std::vector<std::unique_ptr<FileSegment>> read_before;
  bool found = false;
};

/// Finds the saved file among a stream's `segments` (or, renamed away while the exporter was
/// stopped, in its directory) by identity, length and first bytes, and orders the rest around
/// it. Opens only regular files, never blocking. The tailer's thread, at start.
ResumePlan plan_resume(const StreamPosition& saved,
                       std::vector<std::unique_ptr<FileSegment>> segments, SelfMetrics& metrics);

}  // namespace tse
