#pragma once

#include <cstdint>
#include <optional>

namespace tse::os {

/// What the operating system tells of a running process, as every Prometheus client library
/// exports it (`process_*`). A value the system does not give (or gives no longer: the process
/// ended) is nullopt, and its metric is left out rather than shown as 0.
struct ProcessStats {
  std::optional<double> cpu_seconds;         // user and system CPU time
  std::optional<double> resident_bytes;      // resident set size
  std::optional<double> virtual_bytes;       // virtual memory size
  std::optional<double> open_fds;            // open file descriptors (handles)
  std::optional<double> max_fds;             // the soft limit on them
  std::optional<double> start_time_seconds;  // since the Unix epoch
};

/// This process's stats. Any thread; reads a few small files (on Linux, /proc/self), never
/// blocks for long.
ProcessStats process_stats();

/// The stats of another process the caller may inspect (a child, in tests). Any thread.
ProcessStats process_stats(std::int64_t pid);

}  // namespace tse::os
