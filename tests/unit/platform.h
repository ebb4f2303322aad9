#pragma once

#ifdef _WIN32
#include <windows.h>
#endif

namespace tse::testing {

/// Whether this test runs under wine (the Windows build's tests in CI), where a few things
/// differ from Windows itself: a test that depends on one says so when it skips.
inline bool running_under_wine() {
#ifdef _WIN32
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
  return false;
#endif
}

/// Wine keeps the name of a deleted file that is still open, opens it, and reports no
/// DeletePending (wine 8, seen by these tests): the exporter cannot see such a file go. Windows
/// refuses to open it (STATUS_DELETE_PENDING), or, with POSIX delete semantics (NTFS on Windows
/// 10 1809 / Server 2019 and later), removes its name at once; both are seen as gone.
inline constexpr const char* kWineKeepsDeletedNames =
    "wine keeps the name of a deleted file while it is open and reports no DeletePending";

/// Wine counts no handles of a process: GetProcessHandleCount answers 0 (its
/// NtQueryInformationProcess(ProcessHandleCount) is a stub, wine 8), and the exporter leaves
/// process_open_fds out rather than say 0. Windows counts them.
inline constexpr const char* kWineCountsNoHandles =
    "wine gives no count of a process's handles: process_open_fds is left out";

}  // namespace tse::testing
