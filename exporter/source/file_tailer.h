#pragma once

#include <sys/types.h>

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

namespace tse {

/// Where the reading of a segment starts.
enum class SegmentStart {
  kFirstByte,  // the bytes that follow are the file from byte 0
  kEnd,        // the file was there before the exporter: reading joins at its end
};

/// The consumer of one log stream: the successive files (segments) of one log, in order. The
/// tailer knows files, not formats: what the bytes mean is the reader's business.
class StreamReader {
 public:
  virtual ~StreamReader() = default;
  /// A segment begins. With kEnd, `head` holds the file's first bytes (up to 64 KiB) so that the
  /// reader can read its header, and `mid_line` says that the file's last byte is not a LF (the
  /// bytes that follow complete a line whose start was not read). With kFirstByte, `head` is
  /// empty and the header comes as bytes.
  virtual void begin_segment(const std::string& path, SegmentStart start, std::string_view head,
                             bool mid_line) = 0;
  virtual void feed(std::string_view bytes) = 0;
  /// No bytes arrived for the idle interval.
  virtual void idle() = 0;
  /// The true end of input (one-shot mode).
  virtual void finish() = 0;
};

struct TailerOptions {
  std::vector<std::string> globs;
  /// Files present at start are read from byte 0 instead of from their end.
  bool from_beginning = false;
  /// A stream with no new bytes for this long gets StreamReader::idle().
  std::chrono::milliseconds idle_after{1000};
  /// Bytes read per poll at most, so that a backlog does not starve the HTTP server.
  std::size_t read_budget = 64u << 20;
};

/// Follows every file that matches a set of globs, by polling, so that it works where inotify
/// sees nothing (network shares). Files are grouped into streams (one per T-Server log) by an
/// injected key; within a stream, segments are read one after the other in name order, and an
/// old segment is drained to its end before the next one begins. A file that appears after start
/// is read from its first byte; a file replaced under the same name is a new file; a deleted file
/// still being read is drained through its open descriptor; a truncated file is read again from 0.
///
/// Time is passed in to poll(), so tests drive it without sleeping. Not thread-safe: one thread
/// (the daemon's event loop) calls everything.
class FileTailer {
 public:
  /// The stream a file belongs to, from its name (without directory).
  using StreamKey = std::function<std::string(std::string_view file_name)>;
  /// True for file names never to read.
  using Exclude = std::function<bool(std::string_view file_name)>;
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

 private:
  struct FileId {
    dev_t dev;
    ino_t ino;
    auto operator<=>(const FileId&) const = default;
  };
  struct Segment {
    std::string path;
    FileId id{};
    int fd = -1;
    std::uint64_t offset = 0;
    bool started = false;  // begin_segment() was called
    SegmentStart start = SegmentStart::kFirstByte;
    bool seen = true;      // matched by the last scan
  };
  struct Stream {
    std::unique_ptr<StreamReader> reader;
    std::vector<std::unique_ptr<Segment>> segments;  // [0] is being read; the rest wait, by name
    std::chrono::steady_clock::time_point last_bytes{};
    bool idle_signalled = true;
  };
  struct Retired {
    std::uint64_t size;
    bool seen;
  };

  std::vector<std::string> expand_globs();
  void scan(bool at_start);
  void add_file(const std::string& path, const FileId& id, std::uint64_t size, bool at_start);
  bool open_segment(Segment& segment);
  void start_segment(Stream& stream, Segment& segment);
  std::size_t read_stream(Stream& stream, std::size_t budget, bool& more);
  std::size_t read_available(Stream& stream, Segment& segment, std::size_t budget, bool& more);
  void retire(Stream& stream);
  void warn(RateLimiter& limiter, const std::string& message);

  TailerOptions options_;
  StreamKey stream_key_;
  Exclude exclude_;
  ReaderFactory make_reader_;
  SelfMetrics& metrics_;
  bool started_ = false;
  std::map<std::string, Stream> streams_;  // by directory + stream key
  std::map<FileId, Retired> retired_;      // read to the end and let go; not to be read again
  std::set<FileId> binary_;                // skipped as not text
  std::set<std::string> unmatched_globs_;  // warned about once
  std::vector<char> buffer_;
  RateLimiter open_warnings_;
  RateLimiter read_warnings_;
};

}  // namespace tse
