// Smoke test of os/windows/ on real files (run under wine in CI, and on a Windows host by hand):
// what the file source and the state store rely on, share modes first. Plain checks that print
// what failed; the exit code is the number of failures.
//
//   x86_64-w64-mingw32-g++-posix -std=c++20 -static tests/windows/os_smoke.cpp
//     exporter/os/windows/*.cpp exporter/os/glob_pattern.cpp -Iexporter -lpsapi -o os_smoke.exe
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "os/atomic_file.h"
#include "os/file_system.h"
#include "os/process_stats.h"
#include "os/windows/wide_path.h"

namespace {

int failures = 0;

#define CHECK(condition)                                         \
  do {                                                           \
    if (!(condition)) {                                          \
      std::printf("FAILED line %d: %s\n", __LINE__, #condition); \
      ++failures;                                                \
    }                                                            \
  } while (false)

using tse::os::FileError;

// A writer as T-Server is assumed to be: every share flag, appending.
HANDLE open_writer(const std::string& path) {
  return ::CreateFileW(tse::os::to_wide(path).c_str(), FILE_APPEND_DATA,
                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, nullptr);
}

bool append(HANDLE writer, const std::string& text) {
  DWORD written = 0;
  return ::WriteFile(writer, text.data(), static_cast<DWORD>(text.size()), &written, nullptr) &&
         written == text.size();
}

std::string read_all(const std::string& path) {
  tse::os::OpenResult opened = tse::os::open_regular(path);
  if (opened.error != FileError::kNone)
    return "<error " + std::to_string(opened.error_number) + ">";
  std::string text(opened.status.size, '\0');
  const long n = tse::os::read_at(opened.file, text.data(), text.size(), 0);
  text.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return text;
}

std::string join(const std::vector<std::string>& paths) {
  std::string all;
  for (const auto& path : paths) all += "[" + path + "]";
  return all;
}

void files(const std::string& dir) {
  const std::string a = dir + "\\a.log", b = dir + "\\b.log";
  HANDLE writer = open_writer(a);
  CHECK(writer != INVALID_HANDLE_VALUE);
  CHECK(append(writer, "hello\n"));

  tse::os::OpenResult opened = tse::os::open_regular(a);
  CHECK(opened.error == FileError::kNone);
  CHECK(opened.file.valid());
  CHECK(opened.status.regular);
  CHECK(opened.status.size == 6);
  const tse::os::FileIdentity id = opened.status.id;
  CHECK(id.inode != 0);

  // The writer goes on while the exporter holds the file.
  CHECK(append(writer, "world\n"));
  tse::os::FileStatus status;
  CHECK(tse::os::status_of(opened.file, status));
  CHECK(status.size == 12);
  CHECK(status.change_ns >= opened.status.change_ns);
  char buffer[16] = {};
  CHECK(tse::os::read_at(opened.file, buffer, sizeof buffer, 6) == 6);
  CHECK(std::string(buffer, 6) == "world\n");
  CHECK(tse::os::read_at(opened.file, buffer, 3, 1) == 3);
  CHECK(std::string(buffer, 3) == "ell");
  CHECK(tse::os::read_at(opened.file, buffer, sizeof buffer, 12) == 0);
  CHECK(tse::os::read_at(opened.file, buffer, sizeof buffer, 1000) == 0);
  tse::os::StatResult by_name = tse::os::status_at(a);
  CHECK(by_name.error == FileError::kNone);
  CHECK(by_name.status.size == 12);  // not the directory entry's stale size
  CHECK(by_name.status.id == id);

  // Rotation: renamed while both the writer and the exporter hold it.
  CHECK(::MoveFileExW(tse::os::to_wide(a).c_str(), tse::os::to_wide(b).c_str(), 0));
  CHECK(tse::os::status_of(opened.file, status));
  CHECK(status.id == id);
  CHECK(tse::os::status_at(b).status.id == id);
  const tse::os::StatResult gone = tse::os::status_at(a);
  CHECK(gone.error == FileError::kMissing);
  CHECK(gone.error_number == ENOENT);
  CHECK(tse::os::open_regular(a).error == FileError::kMissing);
  CHECK(append(writer, "again\n"));
  CHECK(tse::os::read_at(opened.file, buffer, sizeof buffer, 12) == 6);
  const auto found = tse::os::find_in_directory(dir, id.inode);
  CHECK(found && *found == b);
  CHECK(!tse::os::find_in_directory(dir, id.inode + 12345));

  // Globs: case-insensitive, both separators as written, sorted, absence no error.
  HANDLE other = open_writer(a);
  ::CloseHandle(other);
  ::CloseHandle(open_writer(dir + "\\c.txt"));
  tse::os::GlobResult glob = tse::os::expand_glob(dir + "\\*.LOG");
  CHECK(glob.complete);
  CHECK(glob.paths == (std::vector<std::string>{a, b}));
  if (glob.paths != std::vector<std::string>{a, b})
    std::printf("  got %s\n", join(glob.paths).c_str());
  std::string slashed = dir;
  for (char& c : slashed) c = c == '\\' ? '/' : c;
  glob = tse::os::expand_glob(slashed + "/?.log");
  CHECK(glob.paths == (std::vector<std::string>{slashed + "/a.log", slashed + "/b.log"}));
  if (glob.paths.size() != 2) std::printf("  got %s\n", join(glob.paths).c_str());
  glob = tse::os::expand_glob(dir + "\\nowhere\\*.log");
  CHECK(glob.complete && glob.paths.empty());
  glob = tse::os::expand_glob(dir + "\\*\\*.log");  // c.txt is no directory: not descended
  CHECK(glob.complete && glob.paths.empty());
  glob = tse::os::expand_glob(dir + "\\a.log");
  CHECK(glob.paths == std::vector<std::string>{a});
  glob = tse::os::expand_glob(dir + "\\z.log");
  CHECK(glob.complete && glob.paths.empty());
  CHECK(tse::os::matches_glob(dir + "\\*.LOG", slashed + "/b.log"));
  CHECK(!tse::os::matches_glob(dir + "\\*.log", dir + "\\sub\\b.log"));

  // Never read: directories and devices.
  CHECK(tse::os::status_at(dir).error == FileError::kNotRegular);
  CHECK(tse::os::open_regular(dir).error == FileError::kNotRegular);
  CHECK(tse::os::open_regular("NUL").error == FileError::kNotRegular);

  // Deleted while held: the exporter still reads what it holds.
  CHECK(::DeleteFileW(tse::os::to_wide(b).c_str()));
  CHECK(tse::os::read_at(opened.file, buffer, 5, 0) == 5);
  const tse::os::StatResult pending = tse::os::status_at(b);
  std::printf("info: status_at of a deleted file still held open: error %d, errno %d\n",
              static_cast<int>(pending.error), pending.error_number);
  ::CloseHandle(writer);
}

void atomic_files(const std::string& dir) {
  std::string error;
  const std::string state = dir + "\\state\\deep";
  CHECK(tse::os::make_private_directory(state, error));
  CHECK(tse::os::make_private_directory(state, error));  // exists: fine
  CHECK(tse::os::replace_file(state, "s.json", "s.json.1", "one", error));
  CHECK(read_all(state + "\\s.json") == "one");
  CHECK(tse::os::status_at(state + "\\s.json.1").error == FileError::kMissing);
  CHECK(tse::os::replace_file(state, "s.json", "s.json.1", "two", error));
  CHECK(read_all(state + "\\s.json") == "two");
  CHECK(read_all(state + "\\s.json.1") == "one");
  // A reader holds the current file, even with FILE_SHARE_DELETE: a rename over an open file
  // fails (MS-FSA 2.1.5.14.11; wine alike) after the retries, cleanly: the old file stays whole
  // and no temporary file is left. Once the reader is gone it succeeds.
  {
    tse::os::OpenResult held = tse::os::open_regular(state + "\\s.json");
    CHECK(held.error == FileError::kNone);
    error.clear();
    const bool replaced = tse::os::replace_file(state, "s.json", "s.json.1", "three", error);
    std::printf("info: replace_file while a reader holds the file: %s\n",
                replaced ? "replaced" : error.c_str());
    if (!replaced) {
      CHECK(read_all(state + "\\s.json") == "two");
      CHECK(tse::os::status_at(state + "\\s.json.tmp").error == FileError::kMissing);
    }
  }
  CHECK(tse::os::replace_file(state, "s.json", "s.json.1", "four", error));
  CHECK(read_all(state + "\\s.json") == "four");
  CHECK(read_all(state + "\\s.json.1") != "four");
  CHECK(tse::os::status_at(state + "\\s.json.tmp").error == FileError::kMissing);
  CHECK(tse::os::replace_file(state, "plain", "", "x", error));
  CHECK(read_all(state + "\\plain") == "x");
  // A stale temporary file from a crash is replaced.
  ::CloseHandle(open_writer(state + "\\plain.tmp"));
  CHECK(tse::os::replace_file(state, "plain", "", "y", error));
  CHECK(read_all(state + "\\plain") == "y");
  // A wildcard directory followed by names taken as written, which must exist.
  tse::os::GlobResult glob = tse::os::expand_glob(dir + "\\ST*\\deep\\s.json");
  CHECK(glob.complete && glob.paths == std::vector<std::string>{state + "\\s.json"});
  glob = tse::os::expand_glob(dir + "\\st*\\deep\\none.json");
  CHECK(glob.complete && glob.paths.empty());
  // A drive root is kept as written, never enumerated itself.
  const std::string drive = dir.substr(0, 3);
  glob = tse::os::expand_glob(drive + "*");
  CHECK(glob.complete && !glob.paths.empty() && glob.paths[0].starts_with(drive));
  CHECK(!tse::os::replace_file(dir + "\\absent", "s.json", "", "z", error));
  std::printf("info: replace_file into a missing directory: %s\n", error.c_str());

  // Beyond MAX_PATH, and a name that is not ASCII.
  std::string deep = dir;
  while (deep.size() < 300) deep += "\\directory_of_some_length";
  CHECK(tse::os::make_private_directory(deep, error));
  CHECK(tse::os::replace_file(deep, "\xC3\xA9t\xC3\xA9.log", "", "long", error));
  CHECK(read_all(deep + "\\\xC3\xA9t\xC3\xA9.log") == "long");
  glob = tse::os::expand_glob(deep + "\\*.LOG");
  CHECK(glob.paths == std::vector<std::string>{deep + "\\\xC3\xA9t\xC3\xA9.log"});
}

void process() {
  const tse::os::ProcessStats self = tse::os::process_stats();
  CHECK(self.cpu_seconds && *self.cpu_seconds >= 0);
  CHECK(self.resident_bytes && *self.resident_bytes > 0);
  CHECK(self.virtual_bytes && *self.virtual_bytes > 0);
  // Wine keeps no handle count (0, left out); Windows does.
  CHECK(!self.open_fds || *self.open_fds > 0);
  CHECK(self.max_fds == 16777216.0);
  CHECK(self.start_time_seconds && *self.start_time_seconds > 1.6e9);
  const tse::os::ProcessStats by_pid = tse::os::process_stats(::GetCurrentProcessId());
  CHECK(by_pid.start_time_seconds == self.start_time_seconds);
  const tse::os::ProcessStats none = tse::os::process_stats(0x7ffffff0);
  CHECK(!none.cpu_seconds && !none.max_fds);
  std::printf("info: cpu %.3f s, resident %.0f, virtual %.0f, handles %.0f, start %.0f\n",
              self.cpu_seconds.value_or(-1), self.resident_bytes.value_or(-1),
              self.virtual_bytes.value_or(-1), self.open_fds.value_or(-1),
              self.start_time_seconds.value_or(-1));
}

void remove_tree(const std::wstring& path) {
  WIN32_FIND_DATAW data{};
  HANDLE find = ::FindFirstFileW((path + L"\\*").c_str(), &data);
  if (find != INVALID_HANDLE_VALUE) {
    do {
      const std::wstring name = data.cFileName;
      if (name == L"." || name == L"..") continue;
      const std::wstring child = path + L"\\" + name;
      if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        remove_tree(child);
      } else {
        ::DeleteFileW(child.c_str());
      }
    } while (::FindNextFileW(find, &data));
    ::FindClose(find);
  }
  ::RemoveDirectoryW(path.c_str());
}

}  // namespace

int main() {
  wchar_t temp[MAX_PATH + 1] = {};
  ::GetTempPathW(MAX_PATH + 1, temp);
  std::string dir = tse::os::to_utf8(temp) + "os_smoke_" + std::to_string(::GetCurrentProcessId());
  CHECK(::CreateDirectoryW(tse::os::to_wide(dir).c_str(), nullptr));
  std::printf("info: in %s\n", dir.c_str());
  files(dir);
  atomic_files(dir);
  process();
  remove_tree(tse::os::to_native_path(dir));
  std::printf("%s: %d failure(s)\n", failures == 0 ? "PASSED" : "FAILED", failures);
  return failures;
}
