#include "source/file_tailer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <spdlog/spdlog.h>

#include "hashing/fnv1a.h"
#include "os/file_system.h"
#include "source/binary_content.h"

namespace tse {
namespace {

constexpr std::size_t kChunk = 1u << 20;
constexpr std::size_t kHeadBytes = 64u << 10;
constexpr std::uint32_t kFingerprintBytes = 1024;

}  // namespace

FileTailer::FileTailer(TailerOptions options, StreamKey stream_key, Exclude exclude,
                       ReaderFactory make_reader, SelfMetrics& metrics)
    : options_(std::move(options)),
      discovery_(options_.globs, std::move(exclude), metrics),
      stream_key_(std::move(stream_key)),
      make_reader_(std::move(make_reader)),
      metrics_(metrics),
      buffer_(kChunk) {
  for (const auto& glob : options_.globs) {
    backlog_.push_back(&metrics_.backlog_bytes.Add({{"glob", glob}}));
  }
}

FileTailer::~FileTailer() = default;

std::size_t FileTailer::files_open() const {
  std::size_t n = 0;
  for (const auto& [key, stream] : streams_)
    for (const auto& segment : stream.segments) n += segment->file.valid() ? 1 : 0;
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

// A path that could not be opened for a reason worth a metric: not a regular file, or a real
// error (not its absence).
void FileTailer::refused(const std::string& path, int error_number, bool not_regular) {
  if (not_regular) {
    metrics_.not_regular_files.Increment();
    warn(open_warnings_, "not reading " + path + ": not a regular file (a FIFO or a device?)");
    return;
  }
  metrics_.open_errors.Increment();
  warn(open_warnings_, "cannot open " + path + ": " + std::strerror(error_number) + "; retrying");
}

void FileTailer::update_backlog() {
  std::vector<double> backlog(backlog_.size(), 0.0);
  for (const auto& [key, stream] : streams_) {
    for (const auto& segment : stream.segments) {
      os::FileStatus status;
      std::uint64_t size = 0;
      if (segment->file.valid() && os::status_of(segment->file, status)) {
        size = status.size;
      } else if (segment->seen) {
        size = segment->found.size;  // waiting or parked: as the last scan saw it
      }
      if (size > segment->offset && segment->glob < backlog.size()) {
        backlog[segment->glob] += static_cast<double>(size - segment->offset);
      }
    }
  }
  for (std::size_t g = 0; g < backlog_.size(); ++g) backlog_[g]->Set(backlog[g]);
}

void FileTailer::scan(bool at_start, std::chrono::steady_clock::time_point now) {
  const FileDiscovery::Scan found = discovery_.scan();
  std::set<FileId> was_seen;
  for (auto& [key, stream] : streams_) {
    for (auto& segment : stream.segments) {
      if (segment->seen) was_seen.insert(segment->id);
      segment->seen = false;
    }
  }
  for (auto& [id, retired] : retired_) retired.seen = false;

  for (const auto& file : found.files) {
    const FileId id = file.status.id;
    if (binary_.contains(id)) continue;
    bool known = false;
    for (auto& [key, stream] : streams_) {
      for (auto& segment : stream.segments) {
        if (segment->id == id) {
          segment->seen = true;
          segment->path = file.path;  // renamed within the globs: same file, same position
          segment->found = file.status;
          known = true;
        }
      }
    }
    if (known) continue;
    if (auto it = retired_.find(id); it != retired_.end()) {
      if (still_retired(file.path, file.status, it->second)) {
        it->second.seen = true;
        continue;
      }
      retired_.erase(it);  // the inode holds a new file
    }
    add_file(file, at_start);
  }
  if (!found.complete) {
    // Some directory or file could not be looked at (out of descriptors, say): what was not
    // seen may well be there. Nothing is taken for gone on such a look.
    for (auto& [key, stream] : streams_)
      for (auto& segment : stream.segments)
        if (was_seen.contains(segment->id)) segment->seen = true;
    for (auto& [id, retired] : retired_) retired.seen = true;
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
        retired_[old->id] = retired_entry(old->path, old->id, nullptr, old->offset, true);
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

FileTailer::Retired FileTailer::retired_entry(const std::string& path, const FileId& id,
                                              const os::FileHandle* file, std::uint64_t size,
                                              bool seen) {
  Retired retired{size, seen, 0, {}};
  os::OpenResult own;
  if (file == nullptr || !file->valid()) {
    own = os::open_regular(path);
    if (own.error == os::FileError::kNotRegular) refused(path, 0, true);
    if (own.status.id != id) own.file.reset();  // the name holds another file now
    file = &own.file;
  }
  os::FileStatus status;
  if (file->valid() && os::status_of(*file, status)) {
    retired.ctime_ns = status.change_ns;
    retired.fingerprint = fingerprint_of(*file, kFingerprintBytes);
  }
  return retired;
}

bool FileTailer::still_retired(const std::string& path, const os::FileStatus& status,
                               Retired& retired) {
  if (status.change_ns == retired.ctime_ns) return true;  // untouched since let go: cheap path
  if (status.size < retired.size) return false;
  const os::OpenResult opened = os::open_regular(path);
  if (!opened.file.valid()) {
    if (opened.error == os::FileError::kNotRegular) refused(path, 0, true);
    return true;  // cannot tell: leave it alone
  }
  if (opened.status.id != status.id) return true;  // replaced since the scan: the next one sees
  const bool same = fingerprint_of(opened.file, retired.fingerprint.size) == retired.fingerprint;
  if (same) retired.ctime_ns = opened.status.change_ns;
  return same;
}

FileTailer::Fingerprint FileTailer::fingerprint_of(const os::FileHandle& file, std::uint64_t size) {
  char head[kFingerprintBytes];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kFingerprintBytes));
  const long n = os::read_at(file, head, want, 0);
  Fingerprint fingerprint;
  fingerprint.hash = kFnv1aOffset;
  if (n <= 0) return fingerprint;
  fingerprint.size = static_cast<std::uint32_t>(n);
  fingerprint.hash = fnv1a(std::string_view(head, static_cast<std::size_t>(n)));
  return fingerprint;
}

// True when `path` is the saved file: same device and inode, at least as long as the saved
// offset, and the same first bytes.
bool FileTailer::same_file(const std::string& path, const StreamPosition& saved) {
  const os::OpenResult opened = os::open_regular(path);
  if (!opened.file.valid()) {
    if (opened.error == os::FileError::kNotRegular) refused(path, 0, true);
    return false;
  }
  const os::FileStatus& st = opened.status;
  if (st.id != FileId{saved.device, saved.inode} || st.size < saved.offset ||
      st.size < saved.fingerprint_size) {
    return false;
  }
  const auto fingerprint = fingerprint_of(opened.file, saved.fingerprint_size);
  return fingerprint.size == saved.fingerprint_size && fingerprint.hash == saved.fingerprint;
}

void FileTailer::apply_resume(const std::string& key, Stream& stream, const StreamPosition& saved) {
  const std::string saved_name(file_name(saved.path));
  const FileId saved_id{saved.device, saved.inode};
  std::unique_ptr<Segment> match;
  auto& segments = stream.segments;
  for (auto it = segments.begin(); it != segments.end(); ++it) {
    if ((*it)->id == saved_id && same_file((*it)->path, saved)) {
      match = std::move(*it);
      segments.erase(it);
      break;
    }
  }
  if (!match) {
    // Renamed out of the globs while the exporter was down (rename-and-create rotation): look
    // for the inode in the file's directory, to drain the rest of it.
    if (auto path = os::find_in_directory(std::string(directory(saved.path)), saved.inode)) {
      const os::StatResult stat = os::status_at(*path);
      if (stat.error == os::FileError::kNone && same_file(*path, saved)) {
        match = std::make_unique<Segment>();
        match->path = *path;
        match->id = stat.status.id;
        match->found = stat.status;
      }
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
      retired_[segment->id] =
          retired_entry(segment->path, segment->id, nullptr, segment->found.size, true);
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
          if (segment->id != begun.id) continue;
          if (segment->file.valid()) {
            begun.fingerprint = fingerprint_of(segment->file, kFingerprintBytes);
          } else if (segment->head.size() > begun.fingerprint.size) {  // parked: what was read
            begun.fingerprint =
                Fingerprint{static_cast<std::uint32_t>(segment->head.size()), fnv1a(segment->head)};
          }
        }
      }
      out.push_back(StreamPosition{key, begun.path, begun.id.device, begun.id.inode,
                                   begun.fingerprint.size, begun.fingerprint.hash,
                                   checkpoint.offset, checkpoint.context});
    }
  }
  return out;
}

void FileTailer::add_file(const FileDiscovery::Found& found, bool at_start) {
  const std::string& path = found.path;
  std::string key(directory(path));
  key += '/';
  key += stream_key_(file_name(path));
  Stream& stream = streams_[key];
  if (!stream.reader) stream.reader = make_reader_();
  auto segment = std::make_unique<Segment>();
  segment->path = path;
  segment->id = found.status.id;
  segment->glob = found.glob;
  segment->found = found.status;
  if (at_start && !options_.from_beginning && !options_.resumed && found.status.size > 0) {
    segment->start = SegmentStart::kEnd;  // (an empty file's end is its start)
    segment->offset = found.status.size;
  }
  stream.segments.push_back(std::move(segment));
}

// Opens a segment by name, as the file it was found to be. kRetry: try again at the next poll
// (out of descriptors, or the name holds something else for now); kGone: the name no longer
// leads to this file.
FileTailer::Opened FileTailer::open_segment(Segment& segment) {
  os::OpenResult opened = os::open_regular(segment.path);
  if (!opened.file.valid()) {
    const bool not_regular = opened.error == os::FileError::kNotRegular;
    if (opened.error != os::FileError::kMissing) {
      refused(segment.path, opened.error_number, not_regular);
    }
    if (opened.error == os::FileError::kMissing || not_regular) return Opened::kGone;
    return Opened::kRetry;
  }
  if (opened.status.id != segment.id) {
    return Opened::kGone;  // replaced between the scan and the open: the next scan finds the new
  }
  segment.file = std::move(opened.file);
  segment.check_head = segment.started;  // reopened after a pause: is it still the same file?
  ++open_count_;
  metrics_.files_opened.Increment();
  return Opened::kYes;
}

// Within the descriptor budget, makes room for `wanted` by closing the least recently read
// segment that is read to its end and still has its name (a file renamed away or deleted could
// not be reopened). False when there is none: `wanted` waits for its turn.
bool FileTailer::make_room(const Segment& wanted) {
  if (options_.max_open_files == 0 || open_count_ < options_.max_open_files) return true;
  Segment* victim = nullptr;
  for (auto& [key, stream] : streams_) {
    if (stream.segments.size() != 1) continue;  // a newer file waits: this one goes soon anyway
    Segment& segment = *stream.segments.front();
    if (&segment == &wanted || !segment.file.valid() || !segment.drained || !segment.seen) continue;
    if (victim == nullptr || segment.last_use < victim->last_use) victim = &segment;
  }
  if (victim == nullptr) return false;
  close_file(*victim);
  metrics_.files_parked.Increment();
  return true;
}

void FileTailer::close_file(Segment& segment) {
  if (!segment.file.valid()) return;
  segment.file.reset();
  if (open_count_ > 0) --open_count_;
}

void FileTailer::begin(Stream& stream, Segment& segment, const SegmentBegin& begin) {
  os::FileStatus status;
  const std::uint64_t size = os::status_of(segment.file, status) ? status.size : 0;
  // Keep every segment from the reader's checkpoint on: the one a restart resumes in may lie
  // any number of segments back (a record left open). The reader keeps as many itself.
  const std::uint64_t needed = stream.reader->checkpoint().segment;
  std::erase_if(stream.begun, [needed](const Begun& begun) { return begun.serial < needed; });
  stream.begun.push_back(
      Begun{++stream.serial, segment.path, segment.id,
            fingerprint_of(segment.file, std::min<std::uint64_t>(size, kFingerprintBytes))});
  stream.reader->begin_segment(begin);
  segment.started = true;
}

void FileTailer::start_segment(Stream& stream, Segment& segment) {
  segment.head.clear();
  if (segment.start == SegmentStart::kFirstByte) {
    begin(stream, segment, SegmentBegin{.path = segment.path});
    return;
  }
  char last = '\n';
  if (segment.offset > 0 && os::read_at(segment.file, &last, 1, segment.offset - 1) != 1) {
    last = '\n';
  }
  const std::size_t head_size = static_cast<std::size_t>(
      std::min<std::uint64_t>(segment.offset, static_cast<std::uint64_t>(kHeadBytes)));
  const long n = os::read_at(segment.file, buffer_.data(), head_size, 0);
  const std::string head(buffer_.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  segment.head = head.substr(0, kFingerprintBytes);
  begin(stream, segment,
        SegmentBegin{.path = segment.path,
                     .start = segment.start,
                     .head = head,
                     .offset = segment.offset,
                     .mid_line = segment.start == SegmentStart::kEnd && last != '\n',
                     .context = segment.context});
}

// The file is not what was read (truncated, or rewritten): read it again from byte 0.
void FileTailer::restart(Stream& stream, Segment& segment) {
  segment.offset = 0;
  segment.head.clear();
  metrics_.truncations.Increment();
  begin(stream, segment, SegmentBegin{.path = segment.path});
}

// True when the file still starts with the bytes read from it.
bool FileTailer::same_head(const Segment& segment) {
  if (segment.head.empty()) return true;
  char now[kFingerprintBytes];
  const long n = os::read_at(segment.file, now, segment.head.size(), 0);
  return n == static_cast<long>(segment.head.size()) &&
         std::memcmp(now, segment.head.data(), segment.head.size()) == 0;
}

bool FileTailer::poll(std::chrono::steady_clock::time_point now) {
  const bool at_start = !started_;
  started_ = true;
  scan(at_start, now);
  open_count_ = files_open();
  waiting_ = 0;
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
  metrics_.files_waiting.Set(static_cast<double>(waiting_));
  update_backlog();
  return more;
}

void FileTailer::read_once() {
  started_ = true;
  scan(/*at_start=*/false, std::chrono::steady_clock::now());
  open_count_ = files_open();
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
    // Closed for the budget when read to its end, and not changed since (as the scan saw it).
    const bool parked_untouched =
        !segment.file.valid() && segment.drained && segment.seen &&
        segment.found.id == segment.id && segment.found.size == segment.offset &&
        (!segment.started || segment.found.change_ns == segment.known_change_ns);
    if (!segment.file.valid() && !parked_untouched) {
      if (!make_room(segment)) {
        ++waiting_;  // every descriptor of the budget holds a file with bytes to read
        break;
      }
      const Opened opened = open_segment(segment);
      if (opened == Opened::kRetry || (opened == Opened::kGone && segment.seen)) break;
      if (opened == Opened::kGone) {
        stream.segments.erase(stream.segments.begin());  // gone before it could be (re)opened
        continue;
      }
    }
    if (!segment.started) {
      if (segment.start == SegmentStart::kFirstByte) {
        char probe[kBinaryProbeBytes];
        const long n = os::read_at(segment.file, probe, sizeof probe, 0);
        if (n <= 0 && segment.seen && stream.segments.size() == 1) {
          segment.drained = true;  // empty: wait for bytes (its descriptor may go meanwhile)
          break;
        }
        if (n > 0 && looks_binary(std::string_view(probe, static_cast<std::size_t>(n)))) {
          metrics_.binary_files.Increment();
          spdlog::warn(
              "skipping {}: not a text log (a compressed or executable file's magic "
              "number, or mostly control bytes, in its first {} bytes)",
              segment.path, n);
          binary_.insert(segment.id);
          close_file(segment);
          stream.segments.erase(stream.segments.begin());
          continue;
        }
      }
      start_segment(stream, segment);
    }
    if (segment.file.valid()) {
      segment.last_use = ++use_serial_;
      total += read_available(stream, segment, budget - total, more);
      if (more) break;
    }
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
  os::FileStatus status;
  if (os::status_of(segment.file, status)) {
    if (status.size < segment.offset) {
      spdlog::info("{} was truncated; reading it again from its first byte", segment.path);
      restart(stream, segment);
    } else if ((segment.check_head || status.size != segment.known_size ||
                status.change_ns != segment.known_change_ns) &&
               !same_head(segment)) {
      // Truncated and written again past where reading was, between two polls (or while it was
      // closed): its first bytes are not the ones read.
      spdlog::info("{} was rewritten; reading it again from its first byte", segment.path);
      restart(stream, segment);
    }
    segment.check_head = false;
    segment.known_size = status.size;
    segment.known_change_ns = status.change_ns;
  }
  segment.drained = false;
  std::size_t total = 0;
  while (total < budget) {
    const std::size_t want = std::min(buffer_.size(), budget - total);
    const long n = os::read_at(segment.file, buffer_.data(), want, segment.offset);
    if (n < 0) {
      metrics_.read_errors.Increment();
      warn(read_warnings_,
           "cannot read " + segment.path + ": " + std::strerror(errno) + "; retrying");
      return total;
    }
    if (n == 0) {
      segment.drained = true;
      return total;
    }
    const auto got = static_cast<std::size_t>(n);
    if (segment.offset < kFingerprintBytes && segment.head.size() == segment.offset) {
      segment.head.append(buffer_.data(),
                          std::min<std::size_t>(got, kFingerprintBytes - segment.offset));
    }
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
  retired_[segment->id] =
      retired_entry(segment->path, segment->id, &segment->file, segment->offset, segment->seen);
  close_file(*segment);
  stream.segments.erase(stream.segments.begin());
}

}  // namespace tse
