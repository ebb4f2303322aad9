#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "logging/rate_limiter.h"
#include "metrics/self_metrics.h"
#include "os/file_handle.h"
#include "source/file_discovery.h"
#include "source/segment_sequence.h"
#include "source/stream_reader.h"

namespace tse {

struct TailerOptions {
  std::vector<std::string> globs;
  /// Files present at start are read from byte 0 instead of from their end.
  bool from_beginning = false;
  /// A stream with no new bytes for this long gets StreamReader::idle().
  std::chrono::milliseconds idle_after{1000};
  /// Bytes read per poll at most, so that a backlog does not starve the HTTP server: 4 MiB is
  /// about 2 ms of parsing; a poll that stops at the budget is followed by another at once.
  std::size_t read_budget = 4u << 20;
  /// Positions saved by an earlier run: their streams resume there instead of at the end.
  std::vector<StreamPosition> resume;
  /// An earlier run's state was loaded: a stream it did not know appeared since, and is read
  /// from byte 0 rather than from its end.
  bool resumed = false;
  /// Descriptors the tailer may hold for followed files at once; 0: no limit. Beyond it, files
  /// are read in turn: a file read to its end gives its descriptor up when another needs one,
  /// and is reopened by name (and checked to be the same file) when it grows.
  std::size_t max_open_files = 0;
  /// Log streams (T-Server logs: a directory and a file name's stream key) followed at most.
  /// Each holds a parser with its unfinished line (up to the line limit) and its pending
  /// requests, so memory grows with them. The files of more streams are not read, and show in
  /// tserver_exporter_files_refused. Streams of saved positions are always followed; a stream
  /// with no file left for FileTailer::kVanishedGrace is forgotten.
  std::size_t max_streams = 1024;
};

/// Follows every file that matches a set of globs, by polling, so that it works where inotify
/// sees nothing (network shares). Files are grouped into streams (one per T-Server log) by an
/// injected key; within a stream, segments are read one after the other in name order, and an
/// old segment is drained to its end before the next one begins. A file that appears after start
/// is read from its first byte; a file replaced under the same name is a new file; a deleted file
/// still being read is drained through its open descriptor; a truncated file is read again from 0.
///
/// Only regular files are ever opened, never blocking (os/file_system.h). With a descriptor
/// budget, a file read to its end may be closed and reopened by name; a file renamed away or
/// deleted while closed cannot be drained, so files that vanished are never the ones closed.
///
/// Time is passed in to poll(), so tests drive it without sleeping. Not thread-safe: one thread
/// (the daemon's event loop) calls everything.
class FileTailer {
 public:
  /// The stream a file belongs to, from its name (without directory).
  using StreamKey = std::function<std::string(std::string_view file_name)>;
  /// True for file names never to read.
  using Exclude = FileDiscovery::Exclude;
  using ReaderFactory = std::function<std::unique_ptr<StreamReader>()>;

  FileTailer(TailerOptions options, StreamKey stream_key, Exclude exclude,
             ReaderFactory make_reader, SelfMetrics& metrics);
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  /// One poll: finds new files, reads what was appended. The first call decides which files
  /// were there at start. Returns true when it stopped at the read budget with bytes left.
  bool poll(std::chrono::steady_clock::time_point now);

  /// One-shot: every matching file from byte 0 to its end, streams' segments in name order,
  /// then StreamReader::finish() on every stream.
  void read_once();

  [[nodiscard]] std::size_t files_open() const;

  /// A followed file: where reading is in it, and how many bytes it had beyond at the last poll
  /// (its size when open, else as the last scan saw it), as tserver_exporter_file_backlog_bytes
  /// sums them. No file is looked at: a rendering of the landing page costs no system call.
  struct FollowedFile {
    std::string path;
    std::uint64_t offset = 0;
    std::uint64_t backlog = 0;
  };
  /// Every followed file, stream by stream, each stream's in the order they are read.
  [[nodiscard]] std::vector<FollowedFile> followed_files() const;

  /// The position of every stream that has begun reading, for the state file; with those of
  /// streams a reload stopped (set_globs()).
  [[nodiscard]] std::vector<StreamPosition> positions();

  /// Reload: follows `globs` from the next poll on. A glob in both lists keeps its streams
  /// exactly as they are (files, descriptors, positions, open records). A new glob's files are
  /// new files: read from their first byte. A stream all of whose files came from removed globs
  /// stops at once: its reader is told idle() (what a quiet stream is told, so a record complete
  /// but for its trailer is counted), its descriptors are closed, and its position is kept
  /// (positions(), hence the state file, so across restarts too: at start, a saved position in a
  /// directory no glob looks in is kept the same way), at most max_streams of them: a glob added
  /// back resumes there instead of counting its files again. The files of a removed glob that
  /// belong to a stream still followed through a kept glob are let go as files that left the
  /// globs are.
  void set_globs(std::vector<std::string> globs);

  /// How long a followed file may be gone from the globs (renamed away, its directory
  /// recreated) and still be the same file when it comes back; a newer file in its stream ends
  /// the wait at once.
  static constexpr std::chrono::seconds kVanishedGrace{60};

 private:
  using FileId = os::FileIdentity;
  // A file read to its end and let go. Its inode may be reused by a new file: the change time
  // and the fingerprint tell them apart.
  struct Retired {
    std::uint64_t size;
    bool seen;
    std::int64_t ctime_ns;
    FileFingerprint fingerprint;
  };
  Retired retired_entry(const FileSegment& segment, std::uint64_t size);
  bool still_retired(const std::string& path, const os::FileStatus& status, Retired& retired);

  std::string stream_key_of(const std::string& path) const;
  void forget_finished_streams(std::chrono::steady_clock::time_point now);
  SegmentSequence& stream_at(const std::string& key);
  void scan(bool at_start, std::chrono::steady_clock::time_point now);
  FileSegment& add_file(const FileDiscovery::Found& found, bool at_start);
  void apply_resume(const StreamPosition& saved);
  void update_backlog();
  static std::uint64_t unread_bytes(const FileSegment& segment);
  enum class Opened { kYes, kRetry, kGone };
  Opened open_segment(FileSegment& segment);
  bool make_room(const FileSegment& wanted);
  void close_file(FileSegment& segment);
  bool skip_if_binary(SegmentSequence& stream, FileSegment& segment, bool& wait);
  std::size_t read_stream(SegmentSequence& stream, std::size_t budget, bool& more,
                          std::chrono::steady_clock::time_point now, bool drain_all = false);
  void retire(SegmentSequence& stream);
  void refused(const std::string& path, int error_number, bool not_regular);

  TailerOptions options_;
  FileDiscovery discovery_;
  StreamKey stream_key_;
  ReaderFactory make_reader_;
  SelfMetrics& metrics_;
  bool started_ = false;
  std::map<std::string, SegmentSequence> streams_;  // by directory + stream key
  std::map<std::string, StreamPosition> stopped_;   // by stream key: streams set_globs() stopped
  std::map<FileId, Retired> retired_;  // read to the end and let go; not to be read again
  std::set<FileId> binary_;            // skipped as not text
  std::vector<char> buffer_;
  std::vector<prometheus::Gauge*> backlog_;  // by glob
  std::size_t open_count_ = 0;               // descriptors held by segments
  std::size_t waiting_ = 0;                  // front segments that found no descriptor this poll
  std::uint64_t use_serial_ = 0;
  // Segments that may give their descriptor up, the least recently read last; built when the
  // budget is first short in a poll and again when used up (checked again before use).
  std::vector<std::pair<SegmentSequence*, FileSegment*>> victims_;
  bool victims_stale_ = true;  // a segment was read to its end since victims_ was built
  RateLimiter open_warnings_;
  RateLimiter stream_warnings_;
};

}  // namespace tse
