#include "source/segment_sequence.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "hashing/fnv1a.h"
#include "os/file_system.h"
#include "source/file_discovery.h"

namespace tse {
namespace {

constexpr std::size_t kHeadBytes = 64u << 10;

// True when the file still starts with the bytes read from it.
bool same_head(const FileSegment& segment) {
  if (segment.head.empty()) return true;
  char now[kFingerprintBytes];
  const long n = os::read_at(segment.file, now, segment.head.size(), 0);
  return n == static_cast<long>(segment.head.size()) &&
         std::memcmp(now, segment.head.data(), segment.head.size()) == 0;
}

}  // namespace

FileFingerprint fingerprint_of(const os::FileHandle& file, std::uint64_t size) {
  char head[kFingerprintBytes];
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kFingerprintBytes));
  const long n = os::read_at(file, head, want, 0);
  FileFingerprint fingerprint;
  fingerprint.hash = kFnv1aOffset;
  if (n <= 0) return fingerprint;
  fingerprint.size = static_cast<std::uint32_t>(n);
  fingerprint.hash = fnv1a(std::string_view(head, static_cast<std::size_t>(n)));
  return fingerprint;
}

bool FileSegment::parked_untouched() const {
  return !file.valid() && drained && seen && found.id == id && found.size == offset &&
         (!started || found.change_ns == known_change_ns);
}

SegmentSequence::SegmentSequence(std::unique_ptr<StreamReader> reader, SelfMetrics& metrics)
    : reader_(std::move(reader)), metrics_(metrics) {}

void SegmentSequence::sort_waiting() {
  const auto by_name = [](const auto& a, const auto& b) {
    return file_name(a->path) < file_name(b->path);
  };
  const std::size_t fixed = !segments.empty() && segments.front()->started ? 1 : 0;
  std::stable_sort(segments.begin() + static_cast<std::ptrdiff_t>(fixed), segments.end(), by_name);
}

void SegmentSequence::begin(FileSegment& segment, const SegmentBegin& begin) {
  os::FileStatus status;
  const std::uint64_t size = os::status_of(segment.file, status) ? status.size : 0;
  // Keep every segment from the reader's checkpoint on: the one a restart resumes in may lie
  // any number of segments back (a record left open). The reader keeps as many itself.
  const std::uint64_t needed = reader_->checkpoint().segment;
  std::erase_if(begun_, [needed](const Begun& begun) { return begun.serial < needed; });
  begun_.push_back(
      Begun{++serial_, segment.path, segment.id,
            fingerprint_of(segment.file, std::min<std::uint64_t>(size, kFingerprintBytes))});
  SegmentBegin with_glob = begin;
  with_glob.glob = segment.glob;
  reader_->begin_segment(with_glob);
  segment.started = true;
}

void SegmentSequence::start(FileSegment& segment, std::vector<char>& buffer) {
  segment.head.clear();
  if (segment.start == SegmentStart::kFirstByte) {
    begin(segment, SegmentBegin{.path = segment.path});
    return;
  }
  char last = '\n';
  if (segment.offset > 0 && os::read_at(segment.file, &last, 1, segment.offset - 1) != 1) {
    last = '\n';
  }
  const std::size_t head_size = static_cast<std::size_t>(
      std::min<std::uint64_t>(segment.offset, static_cast<std::uint64_t>(kHeadBytes)));
  const long n = os::read_at(segment.file, buffer.data(), head_size, 0);
  const std::string head(buffer.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  segment.head = head.substr(0, kFingerprintBytes);
  begin(segment, SegmentBegin{.path = segment.path,
                              .start = segment.start,
                              .head = head,
                              .offset = segment.offset,
                              .mid_line = segment.start == SegmentStart::kEnd && last != '\n',
                              .context = segment.context});
}

// The file is not what was read (truncated, or rewritten): read it again from byte 0.
void SegmentSequence::restart(FileSegment& segment) {
  segment.offset = 0;
  segment.head.clear();
  metrics_.truncations.Increment();
  begin(segment, SegmentBegin{.path = segment.path});
}

std::size_t SegmentSequence::read(FileSegment& segment, std::size_t budget, bool& more,
                                  std::vector<char>& buffer) {
  os::FileStatus status;
  if (os::status_of(segment.file, status)) {
    if (status.size < segment.offset) {
      spdlog::info("{} was truncated; reading it again from its first byte", segment.path);
      restart(segment);
    } else if ((segment.check_head || status.size != segment.known_size ||
                status.change_ns != segment.known_change_ns) &&
               !same_head(segment)) {
      // Truncated and written again past where reading was, between two polls (or while it was
      // closed): its first bytes are not the ones read.
      spdlog::info("{} was rewritten; reading it again from its first byte", segment.path);
      restart(segment);
    }
    segment.check_head = false;
    segment.known_size = status.size;
    segment.known_change_ns = status.change_ns;
  }
  segment.drained = false;
  std::size_t total = 0;
  while (total < budget) {
    const std::size_t want = std::min(buffer.size(), budget - total);
    const long n = os::read_at(segment.file, buffer.data(), want, segment.offset);
    if (n < 0) {
      metrics_.read_errors.Increment();
      if (read_warnings_.allow()) {
        spdlog::warn("cannot read {}: {}; retrying", segment.path, std::strerror(errno));
      }
      return total;
    }
    if (n == 0) {
      segment.drained = true;
      return total;
    }
    const auto got = static_cast<std::size_t>(n);
    if (segment.offset < kFingerprintBytes && segment.head.size() == segment.offset) {
      segment.head.append(buffer.data(),
                          std::min<std::size_t>(got, kFingerprintBytes - segment.offset));
    }
    reader_->feed(std::string_view(buffer.data(), got));
    segment.offset += got;
    total += got;
  }
  more = true;
  return total;
}

void SegmentSequence::after_poll(std::size_t bytes, std::chrono::steady_clock::time_point now,
                                 std::chrono::milliseconds idle_after) {
  if (bytes > 0) {
    last_bytes_ = now;
    idle_signalled_ = false;
  } else if (!idle_signalled_ && now - last_bytes_ >= idle_after) {
    reader_->idle();
    idle_signalled_ = true;
  }
}

std::optional<StreamPosition> SegmentSequence::position(const std::string& key) {
  const auto checkpoint = reader_->checkpoint();
  if (checkpoint.segment == 0) return std::nullopt;
  for (auto& begun : begun_) {
    if (begun.serial != checkpoint.segment) continue;
    if (begun.fingerprint.size < kFingerprintBytes) {  // the file was short: look again
      for (const auto& segment : segments) {
        if (segment->id != begun.id) continue;
        if (segment->file.valid()) {
          begun.fingerprint = fingerprint_of(segment->file, kFingerprintBytes);
        } else if (segment->head.size() > begun.fingerprint.size) {  // parked: what was read
          begun.fingerprint = FileFingerprint{static_cast<std::uint32_t>(segment->head.size()),
                                              fnv1a(segment->head)};
        }
      }
    }
    return StreamPosition{key,
                          begun.path,
                          begun.id.device,
                          begun.id.inode,
                          begun.fingerprint.size,
                          begun.fingerprint.hash,
                          checkpoint.offset,
                          checkpoint.context};
  }
  return std::nullopt;
}

}  // namespace tse
