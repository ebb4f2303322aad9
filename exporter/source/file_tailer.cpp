#include "source/file_tailer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <spdlog/spdlog.h>

#include "os/file_system.h"
#include "source/binary_content.h"
#include "source/resume.h"

namespace tse {
namespace {

constexpr std::size_t kChunk = 1u << 20;

// A saved stream key (folder '/' key, from any earlier version) in today's spelling.
std::string normal_stream_key(std::string_view saved) {
  return os::normal_directory(directory(saved)) + "/" + std::string(file_name(saved));
}

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

// A path that could not be opened for a reason worth a metric: not a regular file, or a real
// error (not its absence). Logged at a rate limit.
void FileTailer::refused(const std::string& path, int error_number, bool not_regular) {
  (not_regular ? metrics_.not_regular_files : metrics_.open_errors).Increment();
  if (!open_warnings_.allow()) return;
  const std::string message =
      not_regular ? "not reading " + path + ": not a regular file (a FIFO or a device?)"
                  : "cannot open " + path + ": " + std::strerror(error_number) + "; retrying";
  if (open_warnings_.suppressed() > 0) {
    spdlog::warn("{} ({} similar messages suppressed)", message, open_warnings_.suppressed());
  } else {
    spdlog::warn("{}", message);
  }
}

SegmentSequence& FileTailer::stream_at(const std::string& key) {
  return streams_.try_emplace(key, make_reader_(), metrics_).first->second;
}

std::uint64_t FileTailer::unread_bytes(const FileSegment& segment) {
  os::FileStatus status;
  std::uint64_t size = 0;
  if (segment.file.valid() && os::status_of(segment.file, status)) {
    size = status.size;
  } else if (segment.seen) {
    size = segment.found.size;  // waiting or parked: as the last scan saw it
  }
  return size > segment.offset ? size - segment.offset : 0;
}

void FileTailer::update_backlog() {
  std::vector<double> backlog(backlog_.size(), 0.0);
  for (const auto& [key, stream] : streams_) {
    for (const auto& segment : stream.segments) {
      segment->backlog = unread_bytes(*segment);
      if (segment->glob < backlog.size()) {
        backlog[segment->glob] += static_cast<double>(segment->backlog);
      }
    }
  }
  for (std::size_t g = 0; g < backlog_.size(); ++g) backlog_[g]->Set(backlog[g]);
}

std::vector<FileTailer::FollowedFile> FileTailer::followed_files() const {
  std::vector<FollowedFile> files;
  for (const auto& [key, stream] : streams_) {
    for (const auto& segment : stream.segments) {
      files.push_back({segment->path, segment->offset, segment->backlog});  // as of the last poll
    }
  }
  return files;
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

  std::multimap<FileId, FileSegment*> known;  // every followed file, by identity
  for (auto& [key, stream] : streams_)
    for (auto& segment : stream.segments) known.emplace(segment->id, segment.get());

  std::size_t refused = 0;
  for (const auto& file : found.files) {
    const FileId id = file.status.id;
    if (binary_.contains(id)) continue;
    const auto [first, last] = known.equal_range(id);
    for (auto it = first; it != last; ++it) {
      it->second->seen = true;
      it->second->path = file.path;  // renamed within the globs: same file, same position
      it->second->found = file.status;
    }
    if (first != last) continue;
    if (auto it = retired_.find(id); it != retired_.end()) {
      if (still_retired(file.path, file.status, it->second)) {
        it->second.seen = true;
        continue;
      }
      retired_.erase(it);  // the inode holds a new file
    }
    if (!streams_.contains(stream_key_of(file.path)) && streams_.size() >= options_.max_streams) {
      ++refused;  // over the limit of streams: looked at again at every scan
      continue;
    }
    known.emplace(id, &add_file(file, at_start));
  }
  metrics_.files_refused.Set(static_cast<double>(refused));
  if (refused > 0 && stream_warnings_.allow()) {
    spdlog::warn("{} files of more than {} log streams are not read (--source.max-streams)",
                 refused, options_.max_streams);
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

  // At start, without from_beginning, only the newest segment of a stream is followed (from
  // its end).
  for (auto& [key, stream] : streams_) {
    stream.sort_waiting();
    auto& segments = stream.segments;
    if (at_start && !options_.from_beginning && !options_.resumed) {
      while (segments.size() > 1) {
        retired_[segments.front()->id] = retired_entry(*segments.front(), segments.front()->offset);
        segments.erase(segments.begin());
      }
    }
  }
  if (at_start) {
    for (const auto& saved : options_.resume) {
      // A saved file in a directory no glob looks in any more: its glob left the
      // configuration, so it is kept for the glob's return. (By directory, not by name: a file
      // renamed by its rotation to a name the glob does not match is still drained.)
      const std::string saved_directory(directory(saved.path));
      const bool followed =
          std::any_of(options_.globs.begin(), options_.globs.end(), [&](const std::string& g) {
            return os::matches_glob(std::string(directory(g)), saved_directory);
          });
      if (followed) {
        apply_resume(saved);
      } else {
        stopped_[normal_stream_key(saved.stream)] = saved;
      }
    }
    while (stopped_.size() > options_.max_streams) stopped_.erase(stopped_.begin());
    options_.resume.clear();
  }
  // A stream set_globs() stopped whose files are followed again: on from where it stopped.
  for (auto it = stopped_.begin(); it != stopped_.end();) {
    if (!streams_.contains(it->first)) {
      ++it;
      continue;
    }
    apply_resume(it->second);
    it = stopped_.erase(it);
  }
}

void FileTailer::set_globs(std::vector<std::string> globs) {
  constexpr std::size_t kGone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> moved(options_.globs.size(), kGone);  // old index -> new index
  for (std::size_t g = 0; g < options_.globs.size(); ++g) {
    const auto it = std::find(globs.begin(), globs.end(), options_.globs[g]);
    if (it != globs.end()) moved[g] = static_cast<std::size_t>(it - globs.begin());
  }
  const auto gone = [&](const auto& segment) {
    return segment->glob >= moved.size() || moved[segment->glob] == kGone;
  };
  for (auto it = streams_.begin(); it != streams_.end();) {
    SegmentSequence& stream = it->second;
    if (stream.segments.empty() ||
        !std::all_of(stream.segments.begin(), stream.segments.end(), gone)) {
      for (auto& segment : stream.segments)
        segment->glob = gone(segment) ? kGone : moved[segment->glob];
      ++it;
      continue;
    }
    stream.reader().idle();
    if (auto position = stream.position(it->first)) stopped_[it->first] = std::move(*position);
    for (auto& segment : stream.segments) close_file(*segment);
    spdlog::info("{}: no longer followed (its glob was removed); its position is kept", it->first);
    it = streams_.erase(it);
  }
  while (stopped_.size() > options_.max_streams) stopped_.erase(stopped_.begin());
  victims_.clear();  // they may point into a stopped stream
  victims_stale_ = true;

  std::vector<prometheus::Gauge*> backlog(globs.size(), nullptr);
  for (std::size_t g = 0; g < backlog_.size(); ++g) {
    if (moved[g] != kGone) {
      backlog[moved[g]] = backlog_[g];
    } else {
      metrics_.backlog_bytes.Remove(backlog_[g]);
    }
  }
  for (std::size_t g = 0; g < globs.size(); ++g) {
    if (backlog[g] == nullptr) backlog[g] = &metrics_.backlog_bytes.Add({{"glob", globs[g]}});
  }
  backlog_ = std::move(backlog);
  discovery_.set_globs(globs);
  options_.globs = std::move(globs);
}

void FileTailer::apply_resume(const StreamPosition& saved) {
  SegmentSequence& stream = stream_at(normal_stream_key(saved.stream));
  ResumePlan plan = plan_resume(saved, std::move(stream.segments), metrics_);
  if (!plan.found) {
    spdlog::info(
        "{}: the saved file {} is gone or was rewritten; reading newer files from their "
        "first byte",
        saved.stream, saved.path);
  }
  for (const auto& segment : plan.read_before) {
    retired_[segment->id] = retired_entry(*segment, segment->found.size);
  }
  stream.segments = std::move(plan.to_read);
}

// What tells a let-go file from another on its inode later. Reads through the segment's
// descriptor, or opens it by name when closed (and then only if the name still leads to it).
FileTailer::Retired FileTailer::retired_entry(const FileSegment& segment, std::uint64_t size) {
  Retired retired{size, segment.seen, 0, {}};
  const os::FileHandle* file = &segment.file;
  os::OpenResult own;
  if (!file->valid()) {
    own = os::open_regular(segment.path);
    if (own.error == os::FileError::kNotRegular) refused(segment.path, 0, true);
    if (own.status.id != segment.id) own.file.reset();  // the name holds another file now
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

std::vector<StreamPosition> FileTailer::positions() {
  std::vector<StreamPosition> out;
  for (auto& [key, stream] : streams_) {
    if (auto position = stream.position(key)) out.push_back(std::move(*position));
  }
  for (const auto& [key, position] : stopped_) out.push_back(position);
  return out;
}

std::string FileTailer::stream_key_of(const std::string& path) const {
  // The folder in one spelling: a glob respelled between runs ("logs//", "./", on Windows the
  // case or '\\') must find its saved positions, not read the same files again as a new stream.
  std::string key = os::normal_directory(directory(path));
  key += '/';
  key += stream_key_(file_name(path));
  return key;
}

FileSegment& FileTailer::add_file(const FileDiscovery::Found& found, bool at_start) {
  const std::string& path = found.path;
  SegmentSequence& stream = stream_at(stream_key_of(path));
  auto segment = std::make_unique<FileSegment>();
  segment->path = path;
  segment->id = found.status.id;
  segment->glob = found.glob;
  segment->found = found.status;
  if (at_start && !options_.from_beginning && !options_.resumed && found.status.size > 0) {
    segment->start = SegmentStart::kEnd;  // (an empty file's end is its start)
    segment->offset = found.status.size;
  }
  stream.segments.push_back(std::move(segment));
  return *stream.segments.back();
}

// Opens a segment by name, as the file it was found to be. kRetry: try again at the next poll
// (out of descriptors, no permission); kGone: neither its name nor its directory leads to this
// file any more (a segment still seen is tried again at the next poll all the same).
FileTailer::Opened FileTailer::open_segment(FileSegment& segment) {
  os::OpenResult opened = os::open_regular(segment.path);
  if (opened.error == os::FileError::kNoDescriptors || opened.error == os::FileError::kOther) {
    refused(segment.path, opened.error_number, false);
    return Opened::kRetry;
  }
  if (opened.error == os::FileError::kNotRegular) refused(segment.path, 0, true);
  if (opened.file.valid() && opened.status.id != segment.id) opened.file.reset();
  if (!opened.file.valid()) {
    // Renamed within its directory (rename-and-create rotation) while closed for the budget,
    // or while it waited, never opened, behind an older segment still being read: found again
    // by its inode, to read what was written to it.
    if (auto moved =
            os::find_in_directory(std::string(directory(segment.path)), segment.id.inode)) {
      opened = os::open_regular(*moved);
      if (opened.file.valid() && opened.status.id == segment.id) {
        spdlog::info("{} is now {}; reading on", segment.path, *moved);
        segment.path = std::move(*moved);
      } else {
        opened.file.reset();
      }
    }
  }
  if (!opened.file.valid()) {
    return Opened::kGone;  // missing, not a regular file, or another file under its name
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
bool FileTailer::make_room(const FileSegment& wanted) {
  if (options_.max_open_files == 0 || open_count_ < options_.max_open_files) return true;
  for (int pass = 0; pass < 2; ++pass) {
    while (!victims_.empty()) {
      auto [stream, segment] = victims_.back();
      victims_.pop_back();
      // Still the only segment of its stream (a newer file waiting means it goes soon anyway),
      // open, read to its end and still under its name.
      if (stream->segments.size() != 1 || stream->segments.front().get() != segment ||
          segment == &wanted || !segment->file.valid() || !segment->drained || !segment->seen) {
        continue;
      }
      close_file(*segment);
      metrics_.files_parked.Increment();
      return true;
    }
    if (pass == 0 && victims_stale_) {  // used up: those read since may give theirs up now
      victims_stale_ = false;
      for (auto& [key, stream] : streams_) {
        if (stream.segments.size() == 1 && stream.segments.front()->file.valid() &&
            stream.segments.front()->drained) {
          victims_.emplace_back(&stream, stream.segments.front().get());
        }
      }
      std::sort(victims_.begin(), victims_.end(), [](const auto& a, const auto& b) {
        return a.second->last_use > b.second->last_use;
      });
    }
  }
  return false;
}

void FileTailer::close_file(FileSegment& segment) {
  if (!segment.file.valid()) return;
  segment.file.reset();
  if (open_count_ > 0) --open_count_;
}

bool FileTailer::poll(std::chrono::steady_clock::time_point now) {
  const bool at_start = !started_;
  started_ = true;
  scan(at_start, now);
  open_count_ = files_open();
  waiting_ = 0;
  victims_.clear();
  victims_stale_ = true;
  std::size_t budget = options_.read_budget;
  bool more = false;
  for (auto& [key, stream] : streams_) {
    const std::size_t n = read_stream(stream, budget, more, now);
    budget -= std::min(budget, n);
    stream.after_poll(n, now, options_.idle_after);
  }
  forget_finished_streams(now);
  metrics_.files_open.Set(static_cast<double>(files_open()));
  metrics_.files_waiting.Set(static_cast<double>(waiting_));
  update_backlog();
  return more;
}

// A stream with no file left for kVanishedGrace (its files read, let go and gone from the
// globs) is forgotten, its open record closed and counted: otherwise streams seen once would fill
// --source.max-streams for good (logs named by date, say). Within the grace, a new file of the
// stream goes on with the same parser (a record split across segments stays whole).
void FileTailer::forget_finished_streams(std::chrono::steady_clock::time_point now) {
  bool forgot = false;
  for (auto it = streams_.begin(); it != streams_.end();) {
    SegmentSequence& stream = it->second;
    if (!stream.segments.empty()) {
      stream.empty_since = {};
      ++it;
      continue;
    }
    if (stream.empty_since == std::chrono::steady_clock::time_point{}) stream.empty_since = now;
    if (now - stream.empty_since < kVanishedGrace) {
      ++it;
      continue;
    }
    it->second.reader().finish();
    it = streams_.erase(it);
    forgot = true;
  }
  if (forgot) {
    victims_.clear();  // they may point into a forgotten stream
    victims_stale_ = true;
  }
}

void FileTailer::read_once() {
  started_ = true;
  scan(/*at_start=*/false, std::chrono::steady_clock::now());
  open_count_ = files_open();
  victims_.clear();
  victims_stale_ = true;
  for (auto& [key, stream] : streams_) {
    for (auto& segment : stream.segments) segment->seen = false;  // let each go at its end
    bool more = false;
    read_stream(stream, std::numeric_limits<std::size_t>::max(), more,
                std::chrono::steady_clock::now(), /*drain_all=*/true);
    stream.reader().finish();
  }
  metrics_.files_open.Set(static_cast<double>(files_open()));
}

// Before a new segment begins: is it a text log? True when it was skipped (not text); `wait`
// when it is still empty and the only one of its stream.
bool FileTailer::skip_if_binary(SegmentSequence& stream, FileSegment& segment, bool& wait) {
  char probe[kBinaryProbeBytes];
  const long n = os::read_at(segment.file, probe, sizeof probe, 0);
  if (n <= 0 && segment.seen && stream.segments.size() == 1) {
    segment.drained = true;  // empty: wait for bytes (its descriptor may go meanwhile)
    wait = true;
    return false;
  }
  if (n <= 0 || !looks_binary(std::string_view(probe, static_cast<std::size_t>(n)))) return false;
  metrics_.binary_files.Increment();
  spdlog::warn(
      "skipping {}: not a text log (a compressed or executable file's magic number, or "
      "mostly control bytes, in its first {} bytes)",
      segment.path, n);
  binary_.insert(segment.id);
  close_file(segment);
  stream.segments.erase(stream.segments.begin());
  return true;
}

std::size_t FileTailer::read_stream(SegmentSequence& stream, std::size_t budget, bool& more,
                                    std::chrono::steady_clock::time_point now, bool drain_all) {
  std::size_t total = 0;
  while (!stream.segments.empty()) {
    FileSegment& segment = *stream.segments.front();
    if (total >= budget) {  // nothing more to read in this poll: open nothing for it
      more = true;
      break;
    }
    if (!segment.file.valid() && !segment.parked_untouched()) {
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
      bool wait = false;
      if (segment.start == SegmentStart::kFirstByte && skip_if_binary(stream, segment, wait)) {
        continue;
      }
      if (wait) break;
      stream.start(segment, buffer_);
    }
    if (segment.file.valid()) {
      segment.last_use = ++use_serial_;
      total += stream.read(segment, budget - total, more, buffer_);
      if (segment.drained) victims_stale_ = true;  // one more that may give its descriptor up
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

void FileTailer::retire(SegmentSequence& stream) {
  auto& segment = stream.segments.front();
  if (stream.segments.size() > 1) metrics_.rotations.Increment();
  retired_[segment->id] = retired_entry(*segment, segment->offset);
  close_file(*segment);
  stream.segments.erase(stream.segments.begin());
}

}  // namespace tse
