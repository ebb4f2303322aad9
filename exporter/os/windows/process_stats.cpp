// process_stats() on Windows, as the Go client (process_collector_windows.go) reads them:
// GetProcessTimes, GetProcessMemoryInfo, GetProcessHandleCount.
#include "os/process_stats.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <psapi.h>

namespace tse::os {
namespace {

// FILETIMEs count 100 ns ticks; absolute ones from 1601-01-01, 11,644,473,600 s before the
// Unix epoch.
constexpr double kTicksPerSecond = 1e7;
constexpr double kEpochSeconds = 11'644'473'600.0;

double ticks(const FILETIME& time) {
  return static_cast<double>((static_cast<std::uint64_t>(time.dwHighDateTime) << 32) |
                             time.dwLowDateTime);
}

ProcessStats read_stats(HANDLE process) {
  ProcessStats stats;
  FILETIME creation{}, exit{}, kernel{}, user{};
  if (::GetProcessTimes(process, &creation, &exit, &kernel, &user)) {
    stats.cpu_seconds = (ticks(kernel) + ticks(user)) / kTicksPerSecond;
    stats.start_time_seconds = ticks(creation) / kTicksPerSecond - kEpochSeconds;
  }
  PROCESS_MEMORY_COUNTERS memory{};
  if (::GetProcessMemoryInfo(process, &memory, sizeof memory)) {
    stats.resident_bytes = static_cast<double>(memory.WorkingSetSize);
    // The commit charge, which the Go client reads as PrivateUsage: Windows gives the same
    // value in PagefileUsage, and wine fills only the latter.
    stats.virtual_bytes = static_cast<double>(memory.PagefileUsage);
  }
  // A process has handles open, its own at least: 0 is a count not kept (wine answers 0).
  DWORD handles = 0;
  if (::GetProcessHandleCount(process, &handles) && handles > 0) stats.open_fds = handles;
  // No per-process limit on handles: the Go client's constant, the kernel's per-process cap.
  stats.max_fds = 16'777'216.0;
  return stats;
}

}  // namespace

ProcessStats process_stats() { return read_stats(::GetCurrentProcess()); }

ProcessStats process_stats(std::int64_t pid) {
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE,
                                 static_cast<DWORD>(pid));
  if (process == nullptr) return {};
  // A process that has ended but whose object someone still holds: gone, as on Linux.
  DWORD code = 0;
  ProcessStats stats;
  if (::GetExitCodeProcess(process, &code) && code == STILL_ACTIVE) stats = read_stats(process);
  ::CloseHandle(process);
  return stats;
}

}  // namespace tse::os
