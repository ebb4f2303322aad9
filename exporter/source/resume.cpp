#include "source/resume.h"

#include <spdlog/spdlog.h>

#include "os/file_system.h"
#include "source/file_discovery.h"

namespace tse {
namespace {

// True when `path` is the saved file: same device and inode, at least as long as the saved
// offset, and the same first bytes.
bool same_file(const std::string& path, const StreamPosition& saved, SelfMetrics& metrics) {
  const os::OpenResult opened = os::open_regular(path);
  if (!opened.file.valid()) {
    if (opened.error == os::FileError::kNotRegular) {
      metrics.not_regular_files.Increment();
      spdlog::warn("not reading {}: not a regular file (a FIFO or a device?)", path);
    }
    return false;
  }
  const os::FileStatus& st = opened.status;
  if (st.id != os::FileIdentity{saved.device, saved.inode} || st.size < saved.offset ||
      st.size < saved.fingerprint_size) {
    return false;
  }
  const auto fingerprint = fingerprint_of(opened.file, saved.fingerprint_size);
  return fingerprint.size == saved.fingerprint_size && fingerprint.hash == saved.fingerprint;
}

}  // namespace

ResumePlan plan_resume(const StreamPosition& saved,
                       std::vector<std::unique_ptr<FileSegment>> segments, SelfMetrics& metrics) {
  const std::string saved_name(file_name(saved.path));
  const os::FileIdentity saved_id{saved.device, saved.inode};
  std::unique_ptr<FileSegment> match;
  for (auto it = segments.begin(); it != segments.end(); ++it) {
    if ((*it)->id == saved_id && same_file((*it)->path, saved, metrics)) {
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
      if (stat.error == os::FileError::kNone && same_file(*path, saved, metrics)) {
        match = std::make_unique<FileSegment>();
        match->path = *path;
        match->id = stat.status.id;
        match->found = stat.status;
      }
    }
  }
  ResumePlan plan;
  if (match) {
    match->start = SegmentStart::kResume;
    match->offset = saved.offset;
    match->context = saved.context;
    plan.to_read.push_back(std::move(match));
    plan.found = true;
  }
  for (auto& segment : segments) {
    if (std::string(file_name(segment->path)) >= saved_name) {
      segment->start = SegmentStart::kFirstByte;
      segment->offset = 0;
      plan.to_read.push_back(std::move(segment));
    } else {
      plan.read_before.push_back(std::move(segment));
    }
  }
  return plan;
}

}  // namespace tse
