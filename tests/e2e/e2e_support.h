// Test support for the end-to-end tests: temp dirs, the real binary as a child process, a
// blocking HTTP client on 127.0.0.1, and exposition helpers.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#ifndef TSE_BINARY
#error "TSE_BINARY must name the tserver_exporter binary"
#endif

namespace tse::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = 10s;
constexpr auto kStep = 20ms;

// ------------------------------------------------------------------------------------------
// Small utilities

// Calls `done` every 20 ms until it returns true or `timeout` passes; returns its last answer.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = kTimeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kStep);
  }
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Creates (or truncates) `path` and writes `bytes` with one write() call where possible.
inline void write_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  write_all(fd, bytes);
  ::close(fd);
}

// Appends like a logger does: O_APPEND, no truncation, the file keeps its inode.
inline void append_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  write_all(fd, bytes);
  ::close(fd);
}

inline std::size_t count_lines(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tse_e2e.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ------------------------------------------------------------------------------------------
// The binary as a child process

struct ExitStatus {
  bool exited = false;  // WIFEXITED
  int code = -1;        // WEXITSTATUS, or the signal number when !exited
};

inline std::ostream& operator<<(std::ostream& out, const ExitStatus& s) {
  return out << (s.exited ? "exit " : "killed by signal ") << s.code;
}

inline ExitStatus decode(int status) {
  if (WIFEXITED(status)) return {true, WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {false, WTERMSIG(status)};
  return {false, -1};
}

// tserver_exporter running with the given flags; stdout and stderr go to files in `log_dir`
// (never inside a glob the exporter follows). The destructor always stops and reaps it:
// SIGTERM, then SIGKILL after 5 s.
class Process {
 public:
  /// With `input` (a descriptor the caller keeps and closes), the child reads it as standard
  /// input; else /dev/null. With `launcher`, the binary and its flags are its last arguments
  /// (e.g. bash -c 'ulimit -n 256 && exec "$0" "$@"', to run it under a limit).
  Process(const std::vector<std::string>& args, const std::string& log_dir, int input = -1,
          const std::vector<std::string>& launcher = {}) {
    static int serial = 0;
    const std::string stem = log_dir + "/proc" + std::to_string(++serial);
    stdout_path_ = stem + ".stdout";
    stderr_path_ = stem + ".stderr";
    const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int in = input >= 0 ? ::dup(input) : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0) throw std::runtime_error("cannot open the child's files");

    std::vector<std::string> argv_strings = launcher;
    argv_strings.emplace_back(TSE_BINARY);
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);

    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      // Child: only async-signal-safe calls. Dies with the test process, whatever happens to it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in);
    ::close(out);
    ::close(err);
  }

  ~Process() {
    if (!reaped_) stop(SIGTERM, 5s);
    expect_no_sanitizer_report();
    if (::testing::Test::HasFailure()) {
      std::cerr << "---- stderr of tserver_exporter (pid " << pid_ << ") ----\n"
                << stderr_text() << "---- end of stderr ----\n";
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string stdout_text() const { return read_file(stdout_path_); }
  [[nodiscard]] std::string stderr_text() const { return read_file(stderr_path_); }

  // Non-blocking: true while the process has not exited.
  bool running() {
    if (reaped_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = decode(status);
      return false;
    }
    return true;
  }

  // Waits (bounded) for the process to exit by itself; nullopt if it is still running.
  std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout = kTimeout) {
    eventually([&] { return !running(); }, timeout);
    if (reaped_) return status_;
    return std::nullopt;
  }

  // Sends `sig`, waits (bounded) for the exit; SIGKILL as a last resort. Returns how it ended.
  ExitStatus stop(int sig = SIGTERM, std::chrono::milliseconds timeout = kTimeout) {
    if (reaped_) return status_;
    ::kill(pid_, sig);
    if (auto s = wait_exit(timeout)) return *s;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    status_ = decode(status);
    status_.exited = false;  // did not stop on `sig`: report it as killed
    status_.code = SIGKILL;
    return status_;
  }

  // In a sanitizer build the daemon reports to stderr and, at exit, ends with the sanitizer's
  // exit code: LeakSanitizer's 23 after SIGTERM, ThreadSanitizer's (CI sets exitcode=66) after a
  // race, or SIGABRT with abort_on_error=1. Each fails the test that ran it, however the test
  // stopped it (a daemon never aborts by design either).
  void expect_no_sanitizer_report() {
    static constexpr int kLeakExitCode = 23;
    static constexpr int kThreadSanitizerExitCode = 66;
    const std::string text = stderr_text();
    for (const char* tool : {"AddressSanitizer", "LeakSanitizer", "ThreadSanitizer",
                             "UndefinedBehaviorSanitizer"}) {
      EXPECT_EQ(text.find(std::string("SUMMARY: ") + tool), std::string::npos)
          << "tserver_exporter (pid " << pid_ << ") reported a " << tool << " error";
    }
    EXPECT_FALSE(status_.exited &&
                 (status_.code == kLeakExitCode || status_.code == kThreadSanitizerExitCode))
        << "tserver_exporter (pid " << pid_ << ") ended with a sanitizer's " << status_;
    EXPECT_FALSE(!status_.exited && status_.code == SIGABRT)
        << "tserver_exporter (pid " << pid_ << ") aborted";
  }

  // Bounded wait for `needle` in the process's stderr.
  bool wait_stderr(const std::string& needle, std::chrono::milliseconds timeout = kTimeout) {
    return eventually([&] { return stderr_text().find(needle) != std::string::npos; }, timeout);
  }

  // The port from the `listening on 127.0.0.1:PORT` log line; 0 if it never came.
  int port() {
    if (port_ != 0) return port_;
    static constexpr std::string_view kMarker = "listening on 127.0.0.1:";
    eventually([&] {
      const std::string text = stderr_text();
      const std::size_t at = text.find(kMarker);
      if (at == std::string::npos) return !running();  // give up early if it died
      std::size_t i = at + kMarker.size();
      int port = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        port = port * 10 + (text[i++] - '0');
      }
      if (i == text.size()) return false;  // the line may be half written
      port_ = port;
      return true;
    });
    return port_;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  ExitStatus status_;
  int port_ = 0;
  std::string stdout_path_;
  std::string stderr_path_;
};

// The flags of a daemon on a free port, polling fast, with its state file in `state`, then
// `extra`.
inline std::vector<std::string> daemon_flags(const std::string& state,
                                             const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--web.listen-address=127.0.0.1:0", "--source.poll-interval=50ms",
                                "--storage.path=" + state};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

struct RunResult {
  ExitStatus status;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs the binary to completion (bounded: killed after 10 s).
inline RunResult run(const std::vector<std::string>& args, const std::string& log_dir) {
  Process p(args, log_dir);
  RunResult r;
  if (auto s = p.wait_exit()) {
    r.status = *s;
  } else {
    r.timed_out = true;
    r.status = p.stop(SIGKILL, 5s);
  }
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

// ------------------------------------------------------------------------------------------
// A tiny blocking HTTP/1.0 client over POSIX sockets

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One request on a new connection to 127.0.0.1:port; nullopt on any socket or parse failure.
inline std::optional<HttpResponse> http(int port, const std::string& method,
                                        const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return std::nullopt;
  }
  std::string request = method + " " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  if (method == "POST") request += "Content-Type: text/plain\r\nContent-Length: 0\r\n";
  request += "\r\n";
  std::string_view rest = request;
  while (!rest.empty()) {
    const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  std::string raw;
  char buf[16384];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;  // timeout or error
    if (n == 0) break;               // HTTP/1.0: the server closes after the response
    raw.append(buf, static_cast<std::size_t>(n));
  }
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  HttpResponse response;
  const std::vector<std::string> head = split_lines(raw.substr(0, head_end));
  if (head.empty() || !head[0].starts_with("HTTP/1.")) return std::nullopt;
  response.status = std::atoi(head[0].c_str() + head[0].find(' ') + 1);
  for (std::size_t i = 1; i < head.size(); ++i) {
    std::string line = head[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    response.headers[lower(line.substr(0, colon))] = line.substr(v);
  }
  response.body = raw.substr(head_end + 4);
  if (auto length = response.header("content-length"); !length.empty() && method != "HEAD") {
    if (std::to_string(response.body.size()) != length) return std::nullopt;
  }
  return response;
}

// A TCP connection to 127.0.0.1:port; -1 when refused.
inline int connect_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// ------------------------------------------------------------------------------------------
// The exposition

// The value of one series, given as its full name with labels ("x_total" or "x{a=\"b\"}").
inline std::optional<std::string> value_of(const std::string& exposition,
                                           const std::string& series) {
  for (const auto& line : split_lines(exposition)) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return std::nullopt;
}

// The tserver_event_errors_total series of one T-Server: how many, and the sum of their values.
struct TServerSeries {
  int series = 0;
  double sum = 0;
};
inline TServerSeries tserver_series(const std::string& exposition, const std::string& tserver) {
  TServerSeries s;
  const std::string label = "tserver=\"" + tserver + "\"}";
  for (const auto& line : split_lines(exposition)) {
    if (!line.starts_with("tserver_event_errors_total{")) continue;
    if (line.find(label) == std::string::npos) continue;
    ++s.series;
    s.sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return s;
}

inline int event_error_series(const std::string& exposition) {
  int n = 0;
  for (const auto& line : split_lines(exposition)) {
    if (line.starts_with("tserver_event_errors_total{")) ++n;
  }
  return n;
}

// Full-line equality against the exposition, with the series' actual line in the message.
inline ::testing::AssertionResult HasLine(const std::string& exposition, const std::string& want) {
  const auto lines = split_lines(exposition);
  if (std::find(lines.begin(), lines.end(), want) != lines.end()) {
    return ::testing::AssertionSuccess();
  }
  const std::string series = want.substr(0, want.rfind(' '));
  auto failure = ::testing::AssertionFailure() << "missing line: " << want << "\n";
  bool found = false;
  for (const auto& line : lines) {
    if (line.starts_with(series + " ")) {
      failure << "   actual line: " << line << "\n";
      found = true;
    }
  }
  if (!found) failure << "   (no series " << series << " at all)\n";
  return failure;
}

// The exposition at `path`, or "" when the scrape failed (not 200).
inline std::string scrape(int port, const std::string& path = "/metrics") {
  auto r = http(port, "GET", path);
  return r && r->status == 200 ? r->body : std::string();
}

// Scrapes (bounded) until every wanted line is present; returns the last exposition, so that
// the caller asserts on it and a failure shows the actual values.
inline std::string scrape_until(int port, const std::vector<std::string>& want,
                                const std::string& path = "/metrics") {
  std::string body;
  eventually([&] {
    body = scrape(port, path);
    const auto lines = split_lines(body);
    for (const auto& w : want) {
      if (std::find(lines.begin(), lines.end(), w) == lines.end()) return false;
    }
    return true;
  });
  return body;
}

inline std::string bytes_read_line(std::size_t n) {
  return "tserver_exporter_bytes_read_total " + std::to_string(n);
}

}  // namespace tse::e2e
