// process_stats() on Linux: /proc/PID/stat, /proc/PID/fd, /proc/stat and prlimit(), read as the
// Go client (procfs) reads them.
#include "os/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tse::os {
namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The machine's boot time in seconds since the epoch: /proc/stat's `btime`.
std::optional<double> boot_time() {
  const auto text = read_small_file("/proc/stat");
  if (!text) return std::nullopt;
  const std::size_t at = text->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(text->c_str() + at + 7, nullptr);
}

// The fields of /proc/PID/stat after the command name, which is in parentheses and may itself
// hold spaces and parentheses: fields[0] is field 3 (state) of proc(5).
std::optional<std::vector<std::string>> stat_fields(const std::string& dir) {
  const auto text = read_small_file(dir + "/stat");
  if (!text) return std::nullopt;
  const std::size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// Every entry of /proc/PID/fd, as the client libraries count them (the descriptor that reads
// the directory included).
std::optional<double> count_fds(const std::string& dir) {
  DIR* fds = ::opendir((dir + "/fd").c_str());
  if (fds == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* entry = ::readdir(fds)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++n;
  }
  ::closedir(fds);
  return n;
}

ProcessStats read_stats(const std::string& dir, pid_t pid) {
  ProcessStats stats;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  // proc(5) numbers the fields from 1; fields[0] is field 3.
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStart = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (const auto fields = stat_fields(dir); fields && fields->size() > kRss && ticks > 0) {
    const auto number = [&](std::size_t i) { return std::strtod((*fields)[i].c_str(), nullptr); };
    stats.cpu_seconds = (number(kUtime) + number(kStime)) / static_cast<double>(ticks);
    stats.virtual_bytes = number(kVsize);
    stats.resident_bytes = number(kRss) * static_cast<double>(page);
    if (const auto boot = boot_time()) {
      stats.start_time_seconds = *boot + number(kStart) / static_cast<double>(ticks);
    }
  }
  stats.open_fds = count_fds(dir);
  struct rlimit limit {};
  if (::prlimit(pid, RLIMIT_NOFILE, nullptr, &limit) == 0) {
    stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(limit.rlim_cur);
  }
  return stats;
}

}  // namespace

ProcessStats process_stats() { return read_stats("/proc/self", 0); }

ProcessStats process_stats(std::int64_t pid) {
  return read_stats("/proc/" + std::to_string(pid), static_cast<pid_t>(pid));
}

}  // namespace tse::os
