#include "source/file_tailer.h"

#include "hashing/fnv1a.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <spdlog/spdlog.h>

namespace tse {
namespace {

constexpr std::size_t kChunk = 1u << 20;
constexpr std::size_t kHeadBytes = 64u << 10;
constexpr std::size_t kBinaryProbe = 512;  // a NUL in a file's first bytes: not a text log
constexpr std::uint32_t kFingerprintBytes = 1024;
constexpr std::size_t kBegunKept = 16;

std::string_view file_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view directory(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view(".") : path.substr(0, slash);
}

}  // namespace

FileTailer::FileTailer(TailerOptions options, StreamKey stream_key, Exclude exclude,
                       ReaderFactory make_reader, SelfMetrics& metrics)
    : options_(std::move(options)),
      stream_key_(std::move(stream_key)),
      exclude_(std::move(exclude)),
      make_reader_(std::move(make_reader)),
      metrics_(metrics),
      buffer_(kChunk) {
  for (const auto& glob : options_.globs) {
    backlog_.push_back(&metrics_.backlog_bytes.Add({{"glob", glob}}));
  }
}

FileTailer::~FileTailer() {
  for (auto& [key, stream] : streams_)
    for (auto& segment : stream.segments)
      if (segment->fd >= 0) ::close(segment->fd);
}

std::size_t FileTailer::files_open() const {
  std::size_t n = 0;
  for (const auto& [key, stream] : streams_)
    for (const auto& segment : stream.segments) n += segment->fd >= 0 ? 1 : 0;
  return n;
}

void FileTailer::warn(RateLimiter& limiter, const std::string& message) {
  if (!limiter.allow()) return;
  if (limiter.suppressed() > 0) {
    spdlog::warn("{} ({} similar messages suppressed)", message, limiter.suppressed());
  } else {
    spdlog::warn("{}", message);
  }
}

std::vector<FileTailer::Match> FileTailer::expand_globs() {
  std::vector<Match> paths;
  for (std::size_t g = 0; g < options_.globs.size(); ++g) {
    const std::string& pattern = options_.globs[g];
    glob_t matches{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
    if (rc == 0) {
      if (unmatched_globs_.erase(pattern) > 0) spdlog::info("files now match {}", pattern);
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) paths.push_back({matches.gl_pathv[i], g});
    } else if (unmatched_globs_.insert(pattern).second) {
      spdlog::warn("no file matches {} yet; waiting for it", pattern);
    }
    ::globfree(&matches);
  }
  metrics_.globs_unmatched.Set(static_cast<double>(unmatched_globs_.size()));
  return paths;
}

void FileTailer::update_backlog() {
  std::vector<double> backlog(backlog_.size(), 0.0);
  for (const auto& [key, stream] : streams_) {
    for (const auto& segment : stream.segments) {
      struct stat st {};
      const int rc =
          segment->fd >= 0 ? ::fstat(segment->fd, &st) : ::stat(segment->path.c_str(), &st);
      const auto size = rc == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
      if (size > segment->offset && segment->glob < backlog.size()) {
        backlog[segment->glob] += static_cast<double>(size - segment->offset);
      }
    }
  }
  for (std::size_t g = 0; g < backlog_.size(); ++g) backlog_[g]->Set(backlog[g]);
}

void FileTailer::scan(bool at_start, std::chrono::steady_clock::time_point now) {
  std::set<FileId> was_seen;
  for (auto& [key, stream] : streams_) {
    for (auto& segment : stream.segments) {
      if (segment->seen) was_seen.insert(segment->id);
      segment->seen = false;
    }
  }
  for (auto& [id, retired] : retired_) retired.seen = false;

  for (const Match& match : expand_globs()) {
    const std::string& path = match.path;
    if (exclude_(file_name(path))) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const FileId id{st.st_dev, st.st_ino};
    if (binary_.contains(id)) continue;
    bool known = false;
    for (auto& [key, stream] : streams_) {
      for (auto& segment : stream.segments) {
        if (segment->id == id) {
          segment->seen = true;
          segment->path = path;  // renamed within the globs: same file, same position
          known = true;
        }
      }
    }
    if (known) continue;
    if (auto it = retired_.find(id); it != retired_.end()) {
      if (still_retired(path, st, it->second)) {
        it->second.seen = true;
        continue;
      }
      retired_.erase(it);  // the inode holds a new file
    }
    add_file(match, id, static_cast<std::uint64_t>(st.st_size), at_start);
  }
  std::erase_if(retired_, [](const auto& entry) { return !entry.second.seen; });
  for (auto& [key, stream] : streams_) {
    for (auto& segment : stream.segments) {
      if (!segment->seen && was_seen.contains(segment->id)) {
        segment->unseen_since = now;
        metrics_.files_vanished.Increment();
        spdlog::info("{} is gone; reading what was written to it before", segment->path);
      }
    }
  }

  // Segments wait in name order (Genesys names sort by time); at start, without
  // from_beginning, only the newest segment of a stream is followed (from its end).
  for (auto& [key, stream] : streams_) {
    auto& segments = stream.segments;
    const auto by_name = [](const auto& a, const auto& b) {
      return file_name(a->path) < file_name(b->path);
    };
    const std::size_t fixed = !segments.empty() && segments.front()->started ? 1 : 0;
    std::stable_sort(segments.begin() + static_cast<std::ptrdiff_t>(fixed), segments.end(),
                     by_name);
    if (at_start && !options_.from_beginning && !options_.resumed) {
      while (segments.size() > 1) {
        const auto& old = segments.front();
        retired_[old->id] = retired_entry(old->path, -1, old->offset, true);
        segments.erase(segments.begin());
      }
    }
  }
  if (at_start) {
    for (const auto& saved : options_.resume) {
      Stream& stream = streams_[saved.stream];
      if (!stream.reader) stream.reader = make_reader_();
      apply_resume(saved.stream, stream, saved);
    }
    options_.resume.clear();
  }
}

FileTailer::Retired FileTailer::retired_entry(const std::string& path, int fd, std::uint64_t size,
                                              bool seen) {
  Retired retired{size, seen, 0, {}};
  const int own = fd >= 0 ? -1 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const int use = fd >= 0 ? fd : own;
  struct stat st {};
  if (use >= 0 && ::fstat(use, &st) == 0) {
    retired.ctime_ns =
        static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
    retired.fingerprint = fingerprint_of(use, kFingerprintBytes);
  }
  if (own >= 0) ::close(own);
  return retired;
}

bool FileTailer::still_retired(const std::string& path, const struct ::stat& st, Retired& retired) {
  const std::int64_t ctime =
      static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  if (ctime == retired.ctime_ns) return true;  // untouched since it was let go: cheap path
  if (static_cast<std::uint64_t>(st.st_size) < retired.size) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // cannot tell: leave it alone
  const bool same = fingerprint_of(fd, retired.fingerprint.size) == retired.fingerprint;
  ::close(fd);
  if (same) retired.ctime_ns = ctime;
  return same;
}

FileTailer::Fingerprint FileTailer::fingerprint_of(int fd, std::uint64_t size) {
  char head[kFingerprintBytes];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kFingerprintBytes));
  const ssize_t n = ::pread(fd, head, want, 0);
  Fingerprint fingerprint;
  fingerprint.hash = kFnv1aOffset;
  if (n <= 0) return fingerprint;
  fingerprint.size = static_cast<std::uint32_t>(n);
  fingerprint.hash = fnv1a(std::string_view(head, static_cast<std::size_t>(n)));
  return fingerprint;
}

namespace {

// True when `path` is the saved file: same device and inode, at least as long as the saved
// offset, and the same first bytes.
bool same_file(const std::string& path, const StreamPosition& saved,
               FileTailer::Fingerprint (*fingerprint_of)(int, std::uint64_t)) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool same = ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == saved.device &&
              static_cast<std::uint64_t>(st.st_ino) == saved.inode &&
              static_cast<std::uint64_t>(st.st_size) >= saved.offset &&
              static_cast<std::uint64_t>(st.st_size) >= saved.fingerprint_size;
  if (same) {
    const auto fingerprint = fingerprint_of(fd, saved.fingerprint_size);
    same = fingerprint.size == saved.fingerprint_size && fingerprint.hash == saved.fingerprint;
  }
  ::close(fd);
  return same;
}

}  // namespace

void FileTailer::apply_resume(const std::string& key, Stream& stream, const StreamPosition& saved) {
  const std::string saved_name(file_name(saved.path));
  std::unique_ptr<Segment> match;
  auto& segments = stream.segments;
  for (auto it = segments.begin(); it != segments.end(); ++it) {
    if (static_cast<std::uint64_t>((*it)->id.ino) == saved.inode &&
        static_cast<std::uint64_t>((*it)->id.dev) == saved.device &&
        same_file((*it)->path, saved, &FileTailer::fingerprint_of)) {
      match = std::move(*it);
      segments.erase(it);
      break;
    }
  }
  if (!match) {
    // Renamed out of the globs while the exporter was down (rename-and-create rotation): look
    // for the inode in the file's directory, to drain the rest of it.
    const std::string dir(directory(saved.path));
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* entry = ::readdir(d)) {
        if (entry->d_ino != saved.inode) continue;
        const std::string path = dir + "/" + entry->d_name;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            same_file(path, saved, &FileTailer::fingerprint_of)) {
          match = std::make_unique<Segment>();
          match->path = path;
          match->id = FileId{st.st_dev, st.st_ino};
          break;
        }
      }
      ::closedir(d);
    }
  }
  std::vector<std::unique_ptr<Segment>> kept;
  if (match) {
    match->start = SegmentStart::kResume;
    match->offset = saved.offset;
    match->context = saved.context;
    kept.push_back(std::move(match));
  } else {
    spdlog::info(
        "{}: the saved file {} is gone or was rewritten; reading newer files from their "
        "first byte",
        key, saved.path);
  }
  // Newer segments (a later name, or the same name on a new file) are read from byte 0; older
  // ones were read before the exporter stopped.
  for (auto& segment : segments) {
    if (std::string(file_name(segment->path)) >= saved_name) {
      segment->start = SegmentStart::kFirstByte;
      segment->offset = 0;
      kept.push_back(std::move(segment));
    } else {
      struct stat st {};
      const std::uint64_t size =
          ::stat(segment->path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
      retired_[segment->id] = retired_entry(segment->path, -1, size, true);
    }
  }
  segments = std::move(kept);
}

std::vector<StreamPosition> FileTailer::positions() {
  std::vector<StreamPosition> out;
  for (auto& [key, stream] : streams_) {
    if (!stream.reader) continue;
    const auto checkpoint = stream.reader->checkpoint();
    if (checkpoint.segment == 0) continue;
    for (auto& begun : stream.begun) {
      if (begun.serial != checkpoint.segment) continue;
      if (begun.fingerprint.size < kFingerprintBytes) {  // the file was short: look again
        for (const auto& segment : stream.segments) {
          if (segment->id == begun.id && segment->fd >= 0) {
            begun.fingerprint = fingerprint_of(segment->fd, kFingerprintBytes);
          }
        }
      }
      out.push_back(StreamPosition{key, begun.path, static_cast<std::uint64_t>(begun.id.dev),
                                   static_cast<std::uint64_t>(begun.id.ino), begun.fingerprint.size,
                                   begun.fingerprint.hash, checkpoint.offset, checkpoint.context});
    }
  }
  return out;
}

void FileTailer::add_file(const Match& match, const FileId& id, std::uint64_t size, bool at_start) {
  const std::string& path = match.path;
  std::string key(directory(path));
  key += '/';
  key += stream_key_(file_name(path));
  Stream& stream = streams_[key];
  if (!stream.reader) stream.reader = make_reader_();
  auto segment = std::make_unique<Segment>();
  segment->path = path;
  segment->id = id;
  segment->glob = match.glob;
  if (at_start && !options_.from_beginning && !options_.resumed && size > 0) {
    segment->start = SegmentStart::kEnd;  // (an empty file's end is its start)
    segment->offset = size;
  }
  stream.segments.push_back(std::move(segment));
}

bool FileTailer::open_segment(Segment& segment) {
  const int fd = ::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    metrics_.open_errors.Increment();
    warn(open_warnings_,
         "cannot open " + segment.path + ": " + std::strerror(errno) + "; retrying");
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || FileId{st.st_dev, st.st_ino} != segment.id) {
    ::close(fd);  // replaced between the scan and the open: the next scan finds the new file
    return false;
  }
  segment.fd = fd;
  metrics_.files_opened.Increment();
  return true;
}

void FileTailer::begin(Stream& stream, Segment& segment, const SegmentBegin& begin) {
  struct stat st {};
  const std::uint64_t size =
      ::fstat(segment.fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  stream.begun.push_back(
      Begun{++stream.serial, segment.path, segment.id,
            fingerprint_of(segment.fd, std::min<std::uint64_t>(size, kFingerprintBytes))});
  if (stream.begun.size() > kBegunKept) stream.begun.erase(stream.begun.begin());
  stream.reader->begin_segment(begin);
  segment.started = true;
}

void FileTailer::start_segment(Stream& stream, Segment& segment) {
  if (segment.start == SegmentStart::kFirstByte) {
    begin(stream, segment, SegmentBegin{.path = segment.path});
    return;
  }
  char last = '\n';
  if (segment.offset > 0 &&
      ::pread(segment.fd, &last, 1, static_cast<off_t>(segment.offset - 1)) != 1) {
    last = '\n';
  }
  const std::size_t head_size = static_cast<std::size_t>(
      std::min<std::uint64_t>(segment.offset, static_cast<std::uint64_t>(kHeadBytes)));
  const ssize_t n = ::pread(segment.fd, buffer_.data(), head_size, 0);
  const std::string head(buffer_.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  begin(stream, segment,
        SegmentBegin{.path = segment.path,
                     .start = segment.start,
                     .head = head,
                     .offset = segment.offset,
                     .mid_line = segment.start == SegmentStart::kEnd && last != '\n',
                     .context = segment.context});
}

bool FileTailer::poll(std::chrono::steady_clock::time_point now) {
  const bool at_start = !started_;
  started_ = true;
  scan(at_start, now);
  std::size_t budget = options_.read_budget;
  bool more = false;
  for (auto& [key, stream] : streams_) {
    const std::size_t n = read_stream(stream, budget, more, now);
    budget -= std::min(budget, n);
    if (n > 0) {
      stream.last_bytes = now;
      stream.idle_signalled = false;
    } else if (!stream.idle_signalled && now - stream.last_bytes >= options_.idle_after) {
      stream.reader->idle();
      stream.idle_signalled = true;
    }
  }
  metrics_.files_open.Set(static_cast<double>(files_open()));
  update_backlog();
  return more;
}

void FileTailer::read_once() {
  started_ = true;
  scan(/*at_start=*/false, std::chrono::steady_clock::now());
  for (auto& [key, stream] : streams_) {
    for (auto& segment : stream.segments) segment->seen = false;  // let each go at its end
    bool more = false;
    read_stream(stream, std::numeric_limits<std::size_t>::max(), more,
                std::chrono::steady_clock::now(), /*drain_all=*/true);
    stream.reader->finish();
  }
  metrics_.files_open.Set(static_cast<double>(files_open()));
}

std::size_t FileTailer::read_stream(Stream& stream, std::size_t budget, bool& more,
                                    std::chrono::steady_clock::time_point now, bool drain_all) {
  std::size_t total = 0;
  while (!stream.segments.empty()) {
    Segment& segment = *stream.segments.front();
    if (segment.fd < 0 && !open_segment(segment)) {
      if (segment.seen) break;                         // retried at the next poll
      stream.segments.erase(stream.segments.begin());  // gone before it could be opened
      continue;
    }
    if (!segment.started) {
      if (segment.start == SegmentStart::kFirstByte) {
        char probe[kBinaryProbe];
        const ssize_t n = ::pread(segment.fd, probe, sizeof probe, 0);
        if (n <= 0 && segment.seen && stream.segments.size() == 1) break;  // empty: wait for bytes
        if (n > 0 && std::memchr(probe, '\0', static_cast<std::size_t>(n)) != nullptr) {
          metrics_.binary_files.Increment();
          spdlog::warn("skipping {}: not a text log (NUL bytes in its first {} bytes)",
                       segment.path, kBinaryProbe);
          binary_.insert(segment.id);
          ::close(segment.fd);
          stream.segments.erase(stream.segments.begin());
          continue;
        }
      }
      start_segment(stream, segment);
    }
    total += read_available(stream, segment, budget - total, more);
    if (more) break;
    // Drained: let it go when a newer file has taken over, or when it is gone for good.
    if (stream.segments.size() > 1 || drain_all ||
        (!segment.seen && now - segment.unseen_since >= kVanishedGrace)) {
      retire(stream);
      continue;
    }
    break;
  }
  return total;
}

std::size_t FileTailer::read_available(Stream& stream, Segment& segment, std::size_t budget,
                                       bool& more) {
  struct stat st {};
  if (::fstat(segment.fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) < segment.offset) {
    spdlog::info("{} was truncated; reading it again from its first byte", segment.path);
    segment.offset = 0;
    metrics_.truncations.Increment();
    begin(stream, segment, SegmentBegin{.path = segment.path});
  }
  std::size_t total = 0;
  while (total < budget) {
    const std::size_t want = std::min(buffer_.size(), budget - total);
    const ssize_t n = ::pread(segment.fd, buffer_.data(), want, static_cast<off_t>(segment.offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      metrics_.read_errors.Increment();
      warn(read_warnings_,
           "cannot read " + segment.path + ": " + std::strerror(errno) + "; retrying");
      return total;
    }
    if (n == 0) return total;
    const auto got = static_cast<std::size_t>(n);
    stream.reader->feed(std::string_view(buffer_.data(), got));
    segment.offset += got;
    total += got;
  }
  more = true;
  return total;
}

void FileTailer::retire(Stream& stream) {
  auto& segment = stream.segments.front();
  if (stream.segments.size() > 1) metrics_.rotations.Increment();
  retired_[segment->id] = retired_entry(segment->path, segment->fd, segment->offset, segment->seen);
  if (segment->fd >= 0) ::close(segment->fd);
  stream.segments.erase(stream.segments.begin());
}

}  // namespace tse
