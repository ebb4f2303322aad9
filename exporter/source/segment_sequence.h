#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "logging/rate_limiter.h"
#include "metrics/self_metrics.h"
#include "os/file_handle.h"
#include "source/stream_reader.h"

namespace tse {

/// FNV-1a of a file's first bytes: with the identity, tells a file from another on a reused
/// inode, or from itself rewritten.
struct FileFingerprint {
  std::uint32_t size = 0;
  std::uint64_t hash = 0;
  bool operator==(const FileFingerprint&) const = default;
};
constexpr std::uint32_t kFingerprintBytes = 1024;
/// The fingerprint of a file's first bytes (at most kFingerprintBytes, at most `size`).
FileFingerprint fingerprint_of(const os::FileHandle& file, std::uint64_t size);

/// One followed file of a stream, as the tailer knows it.
struct FileSegment {
  std::string path;
  os::FileIdentity id{};
  os::FileHandle file;  // closed while it waits, and while parked (read to its end, over budget)
  std::uint64_t offset = 0;
  bool started = false;  // begin_segment() was called
  SegmentStart start = SegmentStart::kFirstByte;
  std::string context;  // kResume
  bool seen = true;     // matched by the last scan
  std::chrono::steady_clock::time_point unseen_since{};
  std::size_t glob = 0;          // the first --source.file glob that matched it
  os::FileStatus found;          // what the last scan saw at `path`
  std::string head;              // its first bytes as read (at most 1 KiB): tells a rewrite apart
  std::uint64_t known_size = 0;  // the size and change time at the last read: the head is
  std::int64_t known_change_ns = 0;  // checked again only when they change
  bool check_head = false;           // reopened by name: check the head before reading on
  bool drained = false;              // the last read reached its end
  std::uint64_t backlog = 0;         // bytes beyond `offset` at the last poll (update_backlog)
  std::uint64_t last_use = 0;  // for the descriptor budget: the least recently read goes first

  /// Closed for the descriptor budget when read to its end, and unchanged since, as the last
  /// scan saw it: nothing to read, no need to reopen it.
  [[nodiscard]] bool parked_untouched() const;
};

/// One log stream: its segments in the order they are read, its reader, and what the reader
/// began (for the saved position). Reads the open front segment, sees it truncated or rewritten,
/// and tells the reader when it is idle. The FileTailer decides which files belong, and opens,
/// closes and lets them go. The tailer's thread only.
class SegmentSequence {
 public:
  SegmentSequence(std::unique_ptr<StreamReader> reader, SelfMetrics& metrics);

  StreamReader& reader() { return *reader_; }
  /// [0] is being read; the rest wait, by name.
  std::vector<std::unique_ptr<FileSegment>> segments;
  /// Since when the stream has had no segment at all (the epoch while it has some): a stream
  /// empty for FileTailer::kVanishedGrace is forgotten.
  std::chrono::steady_clock::time_point empty_since{};

  /// Sorts the waiting segments by name (Genesys names sort by time); a started front stays.
  void sort_waiting();
  /// Begins the front segment, which is open: with its head when reading joins it at its end or
  /// resumes in it.
  void start(FileSegment& segment, std::vector<char>& buffer);
  /// Reads what was appended to the open `segment`, at most `budget` bytes through `buffer`;
  /// sets `more` when it stopped at the budget. A file found truncated, or whose first bytes
  /// changed since they were read (checked only when its size or change time moved), is read
  /// again from byte 0.
  std::size_t read(FileSegment& segment, std::size_t budget, bool& more, std::vector<char>& buffer);
  /// After a poll: `bytes` were read now; signals idle() once after `idle_after` without any.
  void after_poll(std::size_t bytes, std::chrono::steady_clock::time_point now,
                  std::chrono::milliseconds idle_after);
  /// Where a restart resumes this stream (none before any segment began).
  std::optional<StreamPosition> position(const std::string& key);

 private:
  // A segment the reader began, by the number of its begin_segment call.
  struct Begun {
    std::uint64_t serial;
    std::string path;
    os::FileIdentity id;
    FileFingerprint fingerprint;
  };
  void begin(FileSegment& segment, const SegmentBegin& begin);
  void restart(FileSegment& segment);

  std::unique_ptr<StreamReader> reader_;
  SelfMetrics& metrics_;
  std::chrono::steady_clock::time_point last_bytes_{};
  bool idle_signalled_ = true;
  std::uint64_t serial_ = 0;
  std::vector<Begun> begun_;  // from the reader's checkpoint on, oldest first
  RateLimiter read_warnings_;
};

}  // namespace tse
