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

  /// The position of every stream that has begun reading, for the state file.
  [[nodiscard]] std::vector<StreamPosition> positions();

  /// FNV-1a of a file's first bytes (at most 1 KiB, at most `size`).
  struct Fingerprint {
    std::uint32_t size = 0;
    std::uint64_t hash = 0;
    bool operator==(const Fingerprint&) const = default;
  };
  static Fingerprint fingerprint_of(const os::FileHandle& file, std::uint64_t size);

  /// How long a followed file may be gone from the globs (renamed away, its directory
  /// recreated) and still be the same file when it comes back; a newer file in its stream ends
  /// the wait at once.
  static constexpr std::chrono::seconds kVanishedGrace{60};

 private:
  using FileId = os::FileIdentity;
  struct Segment {
    std::string path;
    FileId id{};
    os::FileHandle file;  // closed while waiting, and while parked (read to its end, over budget)
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
    std::uint64_t last_use = 0;  // for the descriptor budget: the least recently read goes first
  };
  // A segment the reader began, by the number of its begin_segment call.
  struct Begun {
    std::uint64_t serial;
    std::string path;
    FileId id;
    Fingerprint fingerprint;
  };
  struct Stream {
    std::unique_ptr<StreamReader> reader;
    std::vector<std::unique_ptr<Segment>> segments;  // [0] is being read; the rest wait, by name
    std::chrono::steady_clock::time_point last_bytes{};
    bool idle_signalled = true;
    std::uint64_t serial = 0;
    std::vector<Begun> begun;  // from the reader's checkpoint on, oldest first
  };
  // A file read to its end and let go. Its inode may be reused by a new file: the change time
  // and the fingerprint tell them apart.
  struct Retired {
    std::uint64_t size;
    bool seen;
    std::int64_t ctime_ns;
    Fingerprint fingerprint;
  };
  Retired retired_entry(const std::string& path, const FileId& id, const os::FileHandle* file,
                        std::uint64_t size, bool seen);
  bool still_retired(const std::string& path, const os::FileStatus& status, Retired& retired);

  void scan(bool at_start, std::chrono::steady_clock::time_point now);
  void add_file(const FileDiscovery::Found& found, bool at_start);
  void update_backlog();
  enum class Opened { kYes, kRetry, kGone };
  Opened open_segment(Segment& segment);
  bool make_room(const Segment& wanted);
  void start_segment(Stream& stream, Segment& segment);
  void begin(Stream& stream, Segment& segment, const SegmentBegin& begin);
  void restart(Stream& stream, Segment& segment);
  bool same_head(const Segment& segment);
  void apply_resume(const std::string& key, Stream& stream, const StreamPosition& saved);
  bool same_file(const std::string& path, const StreamPosition& saved);
  std::size_t read_stream(Stream& stream, std::size_t budget, bool& more,
                          std::chrono::steady_clock::time_point now, bool drain_all = false);
  std::size_t read_available(Stream& stream, Segment& segment, std::size_t budget, bool& more);
  void retire(Stream& stream);
  void close_file(Segment& segment);
  void refused(const std::string& path, int error_number, bool not_regular);
  void warn(RateLimiter& limiter, const std::string& message);

  TailerOptions options_;
  FileDiscovery discovery_;
  StreamKey stream_key_;
  ReaderFactory make_reader_;
  SelfMetrics& metrics_;
  bool started_ = false;
  std::map<std::string, Stream> streams_;  // by directory + stream key
  std::map<FileId, Retired> retired_;      // read to the end and let go; not to be read again
  std::set<FileId> binary_;                // skipped as not text
  std::vector<char> buffer_;
  std::vector<prometheus::Gauge*> backlog_;  // by glob
  std::size_t open_count_ = 0;               // descriptors held by segments
  std::size_t waiting_ = 0;                  // front segments that found no descriptor this poll
  std::uint64_t use_serial_ = 0;
  RateLimiter open_warnings_;
  RateLimiter read_warnings_;
};

}  // namespace tse
