// log_writer: one T-Server writing and rotating its log as a Windows program does, for
// tests/windows/e2e.sh (under wine in CI; by hand on a Windows host).
//
//   log_writer.exe DIR APP EVENTS PER_SECOND SEED
//
// Writes EVENTS EventErrors, PER_SECOND of them a second, to DIR\APP.<YYYYMMDD_HHMMSS_mmm>.log
// segments of kEventsPerSegment each, then prints `<error_code> <count>` lines (what the
// exporter must count, by its error_code label) and exits 0; any failed call prints it and
// exits 1. Each event is a request with its dump, then an EventError in shape A (sometimes
// printed twice), shape B or trace-only, then an ordinary record, written in two pieces cut
// anywhere, so the reader sees partial lines and open dumps.
//
// What a reader must allow, the way T-Server and its `expire` do it: every handle is opened with
// FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE. Segments begin in turn by
// CreateFileW(CREATE_NEW) on the next name and by MoveFileExW of a file already holding its
// header (and held open) from a name outside the glob to the next name; a segment three back
// is renamed out of the glob within its folder (the reader must drain it, after a restart too,
// found by its file ID), and one seven back deleted by DeleteFileW.
//
//   x86_64-w64-mingw32-g++-posix -std=c++20 -O2 -static -municode tests/windows/log_writer.cpp
//     -o log_writer.exe
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>

namespace {

constexpr int kEventsPerSegment = 400;

[[noreturn]] void fail(const char* what, const std::wstring& path) {
  std::fprintf(stderr, "log_writer: %s %ls failed: error %lu\n", what, path.c_str(),
               ::GetLastError());
  std::exit(1);
}

class Writer {
 public:
  Writer(std::wstring dir, std::wstring app, unsigned seed)
      : dir_(std::move(dir)), app_(std::move(app)), random_(seed) {}

  void run(int events, int per_second) {
    begin_segment();
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < events; ++i) {
      if (i > 0 && i % kEventsPerSegment == 0) rotate();
      write_event(i);
      std::this_thread::sleep_until(started +
                                    std::chrono::microseconds(1'000'000LL * (i + 1) / per_second));
    }
    // An ordinary record closes whatever is open (a shape-B dump ends only at the next line).
    write(record("Std 04120 Check point 2025-12-17T12:00:00"));
    ::CloseHandle(file_);
  }

  [[nodiscard]] const std::map<std::string, long>& written() const { return written_; }

 private:
  std::wstring segment_name(int segment) const {
    wchar_t name[64];
    std::swprintf(name, 64, L".20251217_%06d_000.log", 100000 + segment);
    return dir_ + L"\\" + app_ + name;
  }

  HANDLE create(const std::wstring& path) {
    HANDLE file = ::CreateFileW(path.c_str(), FILE_APPEND_DATA,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) fail("CreateFileW", path);
    return file;
  }

  // Odd segments are created under their name; even ones (after the first) get their header
  // under a name outside the glob and are renamed to theirs while held open.
  void begin_segment() {
    const std::wstring path = segment_name(segment_);
    const bool by_rename = segment_ > 0 && segment_ % 2 == 0;
    const std::wstring first = by_rename ? dir_ + L"\\" + app_ + L".next" : path;
    file_ = create(first);
    path_ = path;
    std::string narrow_app(app_.begin(), app_.end());  // ASCII names only
    write("Application name:\t" + narrow_app +
          "\r\nApplication type:\tTServer\r\nHost name:\tSFBTS01\r\nFile:\t(" +
          std::to_string(segment_) + ") " + std::string(path.begin(), path.end()) + "\r\n\r\n");
    if (by_rename && !::MoveFileExW(first.c_str(), path.c_str(), 0)) fail("MoveFileExW", first);
  }

  void rotate() {
    ::CloseHandle(file_);
    ++segment_;
    if (segment_ >= 3) {  // out of the glob, in the same folder
      const std::wstring old = segment_name(segment_ - 3);
      if (!::MoveFileExW(old.c_str(), (old + L".done").c_str(), 0)) fail("MoveFileExW", old);
    }
    if (segment_ >= 7) {  // as `expire` would
      const std::wstring old = segment_name(segment_ - 7) + L".done";
      if (!::DeleteFileW(old.c_str())) fail("DeleteFileW", old);
    }
    begin_segment();
  }

  std::string record(const std::string& rest) {
    char time[32];
    std::snprintf(time, sizeof time, "2025-12-17T11:%02d:%02d.%03d ", (clock_ / 60000) % 60,
                  (clock_ / 1000) % 60, clock_ % 1000);
    ++clock_;
    return time + rest + "\r\n";
  }

  void write_event(int i) {
    static const char* kCodes[] = {"57", "236", "56", "1707", "237", "9999"};
    std::string text = record(
                           "Trc 04541 RequestMakeCall received from [724] (0000002a WDE_01 "
                           "10.1.2.3:51234)") +
                       "message RequestMakeCall\r\n\tAttributeThisDN\t'sip:a@contoso.com'\r\n"
                       "\tAttributeUserData\t[64] 00 01 00 00..\r\n\t\t'ErrorCode'\t57\r\n"
                       "\tAttributeReferenceID\t" +
                       std::to_string(i) + "\r\n";
    const std::string code = kCodes[random_() % 6];
    char sequence[17];
    std::snprintf(sequence, sizeof sequence, "%016x", ++sequence_);
    const std::string dump = "\tAttributeEventSequenceNumber\t" + std::string(sequence) +
                             "\r\n\tAttributeErrorCode\t" + code + "\r\n\tAttributeReferenceID\t" +
                             std::to_string(i) + "\r\n";
    const std::string head = "@11:00:00.0000 [0] 8.5.001.23 send_to_client: message EventError\r\n";
    const std::string sent =
        record("Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)");
    switch (random_() % 4) {
      case 0:  // shape A, a third of the time printed twice (counted once)
        text += head + dump;
        if (random_() % 3 == 0) text += head + dump;
        text += sent;
        ++written_[code];
        break;
      case 1:  // shape B
        text += sent + "message EventError\r\n" + dump;
        ++written_[code];
        break;
      case 2:  // trace verbosity: the record alone
        text += sent;
        ++written_["unknown"];
        break;
      default:
        text += head + dump + sent;
        ++written_[code];
        break;
    }
    text += record("Trc 04542 EventDialing sent to [724] (0000002a WDE_01 10.1.2.3:51234)");
    const std::size_t cut = random_() % text.size();
    write(text.substr(0, cut));
    write(text.substr(cut));
  }

  void write(const std::string& bytes) {
    DWORD done = 0;
    if (!::WriteFile(file_, bytes.data(), static_cast<DWORD>(bytes.size()), &done, nullptr) ||
        done != bytes.size()) {
      fail("WriteFile", path_);
    }
  }

  std::wstring dir_;
  std::wstring app_;
  std::mt19937 random_;
  HANDLE file_ = INVALID_HANDLE_VALUE;
  std::wstring path_;
  int segment_ = 0;
  int clock_ = 0;
  unsigned sequence_ = 0;
  std::map<std::string, long> written_;
};

}  // namespace

int wmain(int argc, wchar_t** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: log_writer.exe DIR APP EVENTS PER_SECOND SEED\n");
    return 2;
  }
  Writer writer(argv[1], argv[2], static_cast<unsigned>(std::wcstoul(argv[5], nullptr, 10)));
  writer.run(std::wcstol(argv[3], nullptr, 10), std::wcstol(argv[4], nullptr, 10));
  // Binary: the counts are compared as text on Linux, where "\r\n" would not match.
  _setmode(_fileno(stdout), _O_BINARY);
  for (const auto& [code, count] : writer.written()) std::printf("%s %ld\n", code.c_str(), count);
  return 0;
}
