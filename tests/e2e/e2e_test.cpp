// End-to-end tests: the real tserver_exporter binary as a child process, real log files in a
// fresh temp dir, real HTTP over TCP on 127.0.0.1. No mocks.
//
// Synchronisation is never a bare sleep: every wait is a bounded poll (10 s, every 20 ms) of
// something the exporter shows, mostly tserver_exporter_bytes_read_total reaching the exact
// number of bytes the test wrote, after which the counts are final and asserted line by line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
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

namespace {

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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Creates (or truncates) `path` and writes `bytes` with one write() call where possible.
void write_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  write_all(fd, bytes);
  ::close(fd);
}

// Appends like a logger does: O_APPEND, no truncation, the file keeps its inode.
void append_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  write_all(fd, bytes);
  ::close(fd);
}

std::size_t count_lines(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::vector<std::string> split_lines(std::string_view text) {
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
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/tse_e2e.XXXXXX";
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

std::ostream& operator<<(std::ostream& out, const ExitStatus& s) {
  return out << (s.exited ? "exit " : "killed by signal ") << s.code;
}

ExitStatus decode(int status) {
  if (WIFEXITED(status)) return {true, WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {false, WTERMSIG(status)};
  return {false, -1};
}

// tserver_exporter running with the given flags; stdout and stderr go to files in `log_dir`
// (never inside a glob the exporter follows). The destructor always stops and reaps it:
// SIGTERM, then SIGKILL after 5 s.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& log_dir) {
    static int serial = 0;
    const std::string stem = log_dir + "/proc" + std::to_string(++serial);
    stdout_path_ = stem + ".stdout";
    stderr_path_ = stem + ".stderr";
    const int out =
        ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err =
        ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0) throw std::runtime_error("cannot open the child's files");

    std::vector<std::string> argv_strings{TSE_BINARY};
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

struct RunResult {
  ExitStatus status;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs the binary to completion (bounded: killed after 10 s).
RunResult run(const std::vector<std::string>& args, const std::string& log_dir) {
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

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One request on a new connection to 127.0.0.1:port; nullopt on any socket or parse failure.
std::optional<HttpResponse> http(int port, const std::string& method, const std::string& target) {
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

// ------------------------------------------------------------------------------------------
// The exposition

// The value of one series, given as its full name with labels ("x_total" or "x{a=\"b\"}").
std::optional<std::string> value_of(const std::string& exposition, const std::string& series) {
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
TServerSeries tserver_series(const std::string& exposition, const std::string& tserver) {
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

int event_error_series(const std::string& exposition) {
  int n = 0;
  for (const auto& line : split_lines(exposition)) {
    if (line.starts_with("tserver_event_errors_total{")) ++n;
  }
  return n;
}

// Full-line equality against the exposition, with the series' actual line in the message.
::testing::AssertionResult HasLine(const std::string& exposition, const std::string& want) {
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
std::string scrape(int port, const std::string& path = "/metrics") {
  auto r = http(port, "GET", path);
  return r && r->status == 200 ? r->body : std::string();
}

// Scrapes (bounded) until every wanted line is present; returns the last exposition, so that
// the caller asserts on it and a failure shows the actual values.
std::string scrape_until(int port, const std::vector<std::string>& want,
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

std::string bytes_read_line(std::size_t n) {
  return "tserver_exporter_bytes_read_total " + std::to_string(n);
}

// ------------------------------------------------------------------------------------------
// T-Server log text

// A segment's header block, ended by its empty line. Without `app`, no `Application name`.
std::string header(const std::string& app, const std::string& file, const char* eol = "\n") {
  std::string h;
  if (!app.empty()) h += "Application name:\t" + app + eol;
  h += std::string("Application type:\tTServer") + eol;
  h += std::string("Application version:\t8.5.001.23") + eol;
  h += std::string("Host name:\tSFBTS01") + eol;
  h += std::string("Host type:\tWindows") + eol;
  h += std::string("Local time:\t2025-12-17T10:00:00.000") + eol;
  h += std::string("Start time (UTC):\t2025-12-17T09:00:00.000") + eol;
  h += std::string("Running in:\tprimary mode") + eol;
  h += "File: (1) D:\\Logs\\" + file + eol;
  h += eol;
  return h;
}

const std::string kTrailer =
    "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)";

// Shape A: the `@... message EventError` dump, then its 04542 trailer.
std::string shape_a(int code, const std::string& seq, const char* eol = "\n") {
  std::string s;
  s += std::string("@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError") + eol;
  s += "\tAttributeEventSequenceNumber\t" + seq + eol;
  s += std::string("\tAttributeTimeinuSecs\t807000") + eol;
  s += std::string("\tAttributeTimeinSecs\t1765966524 (10:15:24)") + eol;
  s += std::string("\tAttributeErrorMessage\t'Some error'") + eol;
  s += "\tAttributeErrorCode\t" + std::to_string(code) + eol;
  s += std::string("\tAttributeReferenceID\t17") + eol;
  s += std::string("\tAttributeThisDN\t'sip:agent1@contoso.com'") + eol;
  s += kTrailer + eol;
  return s;
}

// Shape B: the 04542 record, then the column-0 `message EventError` dump. Its user data holds
// a nested 'ErrorCode' 57, which is never a code. Needs a following column-0 line to close it.
std::string shape_b(int code, const std::string& seq, const char* eol = "\n") {
  std::string s;
  s += "2025-12-17T11:00:01.100 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
       "10.1.2.3:51234)" + std::string(eol);
  s += std::string("message EventError") + eol;
  s += "\tAttributeEventSequenceNumber\t" + seq + eol;
  s += std::string("\tAttributeErrorMessage\t'Timeout performing operation'") + eol;
  s += "\tAttributeErrorCode\t" + std::to_string(code) + eol;
  s += std::string("\tAttributeReferenceID\t18") + eol;
  s += std::string("\tAttributeUserData\t[40] 00 02 00 00..") + eol;
  s += std::string("\t\t'ErrorCode'\t57") + eol;
  s += std::string("\t\t'Note'\t'message EventError'") + eol;
  return s;
}

std::string check_point(const char* eol = "\n") {
  return std::string("2025-12-17T11:00:00.000 Std 04120 Check point 2025-12-17T11:00:00") + eol;
}

// The exact line of one series of tserver_event_errors_total.
std::string errors_line(const std::string& tserver, const std::string& code,
                        const std::string& name, int value) {
  return "tserver_event_errors_total{error_code=\"" + code + "\",error_name=\"" + name +
         "\",tserver=\"" + tserver + "\"} " + std::to_string(value);
}

constexpr int kSeriesPerTServer = 35;  // the 34 catalog codes and "unknown"

class E2E : public ::testing::Test {
 protected:
  // A daemon on a free port, polling fast, with its state file in this test's own directory.
  std::vector<std::string> daemon_args(const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"--web.listen-address=127.0.0.1:0",
                                  "--source.poll-interval=50ms",
                                  "--storage.path=" + state_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  TempDir logs_;   // what the exporter follows
  TempDir proc_;   // the child's stdout and stderr: outside every glob
  TempDir state_;  // the daemon's state file
};

// ------------------------------------------------------------------------------------------
// 1. Follow a growing segment and a new segment; then --once over the same files.

TEST_F(E2E, FollowsAppendsAndNewSegmentThenOnceReadsFromTheBeginning) {
  const std::string seg1 = logs_ / "TS_E2E.20251217_100000_000.log";
  const std::string seg2 = logs_ / "TS_E2E.20251217_110000_000.log";
  const std::string glob = logs_ / "TS_E2E.*.log";

  // Present at start: read from its end, so this EventError is not counted by the daemon.
  const std::string seg1_initial =
      header("TS_E2E", "TS_E2E.20251217_100000_000.log") + shape_a(57, "0000000000000100");
  write_file(seg1, seg1_initial);

  Process daemon(daemon_args({"--source.file=" + glob}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0) << "no `listening on` line";

  // The first poll has opened the segment and named its T-Server: every series exists at 0.
  std::string m = scrape_until(port, {errors_line("TS_E2E", "57", "TERR_TIMEOUT", 0),
                                      "tserver_exporter_files_opened_total 1"});
  ASSERT_TRUE(HasLine(m, errors_line("TS_E2E", "57", "TERR_TIMEOUT", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_E2E", "unknown", "UNKNOWN", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_E2E", "1707", "TERR_SOFT_AGENT_NOT_LOGGED_IN", 0)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_opened_total 1"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_open 1"));
  EXPECT_TRUE(HasLine(m, bytes_read_line(0)));
  EXPECT_EQ(tserver_series(m, "TS_E2E").series, kSeriesPerTServer);
  EXPECT_EQ(tserver_series(m, "TS_E2E").sum, 0);
  EXPECT_EQ(event_error_series(m), kSeriesPerTServer);

  // Appended in two writes split in the middle of the second dump's AttributeErrorCode line.
  // Event 0x101, event 0x102, then 0x102 printed again (a duplicate: counted once).
  const std::string appended =
      shape_a(57, "0000000000000101") + shape_a(57, "0000000000000102") +
      shape_a(57, "0000000000000102");
  const std::size_t second_code = appended.find("\tAttributeErrorCode\t57", appended.find("102"));
  ASSERT_NE(second_code, std::string::npos);
  const std::string part1 = appended.substr(0, second_code + 15);  // "\tAttributeError|Code\t57"
  const std::string part2 = appended.substr(part1.size());
  ASSERT_EQ(part1.substr(part1.size() - 15), "\tAttributeError");

  append_file(seg1, part1);
  m = scrape_until(port, {bytes_read_line(part1.size())});
  ASSERT_TRUE(HasLine(m, bytes_read_line(part1.size())));
  EXPECT_TRUE(HasLine(m, errors_line("TS_E2E", "57", "TERR_TIMEOUT", 1)));  // 0x102 still open

  append_file(seg1, part2);
  m = scrape_until(port, {bytes_read_line(appended.size())});
  ASSERT_TRUE(HasLine(m, bytes_read_line(appended.size())));
  EXPECT_TRUE(HasLine(m, errors_line("TS_E2E", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_records_skipped_total{reason=\"duplicate\"} 1"));

  // A new segment (the T-Server rolled over): read from byte 0. Two shape-B EventErrors with
  // code 236, then a 04542 EventError record logged without a dump: error_code="unknown".
  const std::string seg2_text =
      header("TS_E2E", "TS_E2E.20251217_110000_000.log") + shape_b(236, "0000000000000201") +
      shape_b(236, "0000000000000202") + check_point() +
      "2025-12-17T11:00:02.000 Trc 04542 EventError sent to [725] (0000002b WDE_02 "
      "10.1.2.4:51235)\n" +
      check_point();
  write_file(seg2, seg2_text);

  const std::size_t daemon_bytes = appended.size() + seg2_text.size();
  const std::vector<std::string> want_daemon{
      bytes_read_line(daemon_bytes),
      errors_line("TS_E2E", "57", "TERR_TIMEOUT", 2),
      errors_line("TS_E2E", "236", "Timeout performing operation", 2),
      errors_line("TS_E2E", "unknown", "UNKNOWN", 1),
  };
  m = scrape_until(port, want_daemon);
  for (const auto& line : want_daemon) EXPECT_TRUE(HasLine(m, line));
  // Nothing else was counted, for any T-Server.
  EXPECT_EQ(tserver_series(m, "TS_E2E").series, kSeriesPerTServer);
  EXPECT_EQ(tserver_series(m, "TS_E2E").sum, 5);
  EXPECT_EQ(event_error_series(m), kSeriesPerTServer);
  EXPECT_TRUE(HasLine(m, errors_line("TS_E2E", "58", "TERR_OUT_OF_SERVICE", 0)));
  // Self-metrics: two files opened, the first one let go after the rollover.
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_opened_total 2"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_open 1"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_lines_read_total " +
                             std::to_string(count_lines(appended) + count_lines(seg2_text))));
  // Records: 3 dumps + 3 trailers; then 2 x (04542 + dump), 2 check points, the lone 04542.
  EXPECT_TRUE(HasLine(m, "tserver_exporter_records_parsed_total 13"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_records_skipped_total{reason=\"duplicate\"} 1"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_malformed_records_total 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_lines_skipped_total{reason=\"unrecognized\"} 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_lines_skipped_total{reason=\"too_long\"} 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_file_errors_total{reason=\"open\"} 0"));
  EXPECT_TRUE(value_of(m, "tserver_exporter_scrapes_total").has_value());
  EXPECT_TRUE(value_of(m, "tserver_exporter_error_codes_capped_total").has_value());

  const ExitStatus stopped = daemon.stop(SIGTERM);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped;

  // --once over the same files: from byte 0 of every segment, so the EventError that was in
  // segment 1 before the daemon started counts too: 57 -> 1 (before) + 2 (appended) = 3.
  const RunResult once = run({"--once", "--source.file=" + glob}, proc_.path());
  ASSERT_FALSE(once.timed_out);
  EXPECT_TRUE(once.status.exited && once.status.code == 0) << once.status << "\n" << once.err;
  const std::string& o = once.out;
  EXPECT_TRUE(HasLine(o, errors_line("TS_E2E", "57", "TERR_TIMEOUT", 3)));
  EXPECT_TRUE(HasLine(o, errors_line("TS_E2E", "236", "Timeout performing operation", 2)));
  EXPECT_TRUE(HasLine(o, errors_line("TS_E2E", "unknown", "UNKNOWN", 1)));
  EXPECT_EQ(tserver_series(o, "TS_E2E").series, kSeriesPerTServer);
  EXPECT_EQ(tserver_series(o, "TS_E2E").sum, 6);
  EXPECT_EQ(event_error_series(o), kSeriesPerTServer);
  const std::size_t all_bytes = seg1_initial.size() + appended.size() + seg2_text.size();
  EXPECT_TRUE(HasLine(o, bytes_read_line(all_bytes)));
  EXPECT_TRUE(HasLine(o, "tserver_exporter_files_opened_total 2"));
  EXPECT_TRUE(HasLine(o, "tserver_exporter_records_parsed_total 15"));
  EXPECT_TRUE(HasLine(o, "tserver_exporter_records_skipped_total{reason=\"duplicate\"} 1"));
  EXPECT_TRUE(HasLine(o, "tserver_exporter_malformed_records_total 0"));
  EXPECT_TRUE(o.starts_with("# HELP ")) << "stdout must be only the exposition";
}

// ------------------------------------------------------------------------------------------
// 2. The HTTP surface.

TEST_F(E2E, HttpSurface) {
  const std::string seg = logs_ / "TS_HTTP.20251217_100000_000.log";
  write_file(seg, header("TS_HTTP", "TS_HTTP.20251217_100000_000.log"));

  {  // Default telemetry path.
    Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    auto r = http(port, "GET", "/metrics");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(r->body.find("# TYPE tserver_event_errors_total counter\n"), std::string::npos);
    EXPECT_NE(r->body.find("\ntserver_exporter_build_info{"), std::string::npos);

    r = http(port, "GET", "/");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r->body.find("<a href=\"/metrics\">"), std::string::npos) << r->body;

    const ExitStatus s = daemon.stop();
    EXPECT_TRUE(s.exited && s.code == 0) << s;
  }

  Process daemon(daemon_args({"--source.file=" + seg, "--web.telemetry-path=/custom"}),
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);

  auto r = http(port, "GET", "/custom");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("# TYPE tserver_event_errors_total counter\n"), std::string::npos);

  r = http(port, "GET", "/custom?x=1");  // a query string does not change the path
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);

  r = http(port, "GET", "/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r->body.find("<a href=\"/custom\">"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("href=\"/metrics\""), std::string::npos) << r->body;

  r = http(port, "GET", "/-/healthy");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "OK\n");

  r = http(port, "GET", "/metrics");  // not the telemetry path any more
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);

  r = http(port, "GET", "/no/such/page");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 404);

  r = http(port, "POST", "/custom");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");

  r = http(port, "POST", "/-/healthy");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);

  r = http(port, "HEAD", "/custom");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_NE(r->header("content-length"), "0");

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;
}

// ------------------------------------------------------------------------------------------
// 3. CRLF (and CR CR LF) lines, and records split across two segments.

TEST_F(E2E, CrlfAndRecordSplitAcrossSegments) {
  // TS_CRLF (files named SfB_A.*: the label comes from the header): segment 1 ends after the
  // first lines of a dump; its AttributeErrorCode comes after segment 2's header.
  const std::string a1 = logs_ / "SfB_A.20251217_100000_000.log";
  const std::string a2 = logs_ / "SfB_A.20251217_101500_000.log";
  const std::string a1_text =
      header("TS_CRLF", "SfB_A.20251217_100000_000.log", "\r\n") +
      shape_a(237, "00000000000000a1", "\r\r\n") +  // a complete one, CR CR LF
      "@10:15:25.0010 [0] 8.5.001.23 send_to_client: message EventError\r\n"
      "\tAttributeEventSequenceNumber\t00000000000000a2\r\n"
      "\tAttributeErrorMessage\t'Other telephony operation in progress'\r\n";
  const std::string a2_text = header("TS_CRLF", "SfB_A.20251217_101500_000.log", "\r\n") +
                              "\tAttributeErrorCode\t291\r\n"
                              "\tAttributeReferenceID\t19\r\n" +
                              kTrailer + "\r\n" + check_point("\r\n");

  // TS_SPLIT: the split falls inside the AttributeErrorCode line itself.
  const std::string b1 = logs_ / "SfB_B.20251217_100000_000.log";
  const std::string b2 = logs_ / "SfB_B.20251217_101500_000.log";
  const std::string b1_text =
      header("TS_SPLIT", "SfB_B.20251217_100000_000.log", "\r\n") +
      "@10:15:25.0010 [0] 8.5.001.23 send_to_client: message EventError\r\n"
      "\tAttributeEventSequenceNumber\t00000000000000b1\r\n"
      "\tAttributeErrorCo";
  const std::string b2_text = header("TS_SPLIT", "SfB_B.20251217_101500_000.log", "\r\n") +
                              "de\t1703\r\n" + kTrailer + "\r\n" + check_point("\r\n");

  // TS_NOAPP: a header without `Application name`: the label is the file's base name.
  const std::string c1 = logs_ / "TS_NOAPP.20251217_100000_000.log";
  const std::string c1_text =
      header("", "TS_NOAPP.20251217_100000_000.log", "\r\n") +
      shape_a(1140, "00000000000000c1", "\r\n") + check_point("\r\n");

  write_file(a1, a1_text);
  write_file(a2, a2_text);
  write_file(b1, b1_text);
  write_file(b2, b2_text);
  write_file(c1, c1_text);
  const std::size_t total =
      a1_text.size() + a2_text.size() + b1_text.size() + b2_text.size() + c1_text.size();

  Process daemon(daemon_args({"--source.file=" + logs_.path() + "/*.log",
                              "--source.from-beginning"}),
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);

  const std::vector<std::string> want{
      bytes_read_line(total),
      errors_line("TS_CRLF", "237", "Call has disconnected", 1),
      errors_line("TS_CRLF", "291", "Other telephony operation in progress", 1),
      errors_line("TS_SPLIT", "1703", "TERR_SOFT_AGENT_WRONG_ID", 1),
      errors_line("TS_NOAPP", "1140", "TERR_CSTA_OPER_REQ_INCOMPAT", 1),
  };
  const std::string m = scrape_until(port, want);
  for (const auto& line : want) EXPECT_TRUE(HasLine(m, line));
  EXPECT_TRUE(HasLine(m, errors_line("TS_CRLF", "unknown", "UNKNOWN", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_SPLIT", "unknown", "UNKNOWN", 0)));
  EXPECT_EQ(tserver_series(m, "TS_CRLF").sum, 2);
  EXPECT_EQ(tserver_series(m, "TS_SPLIT").sum, 1);
  EXPECT_EQ(tserver_series(m, "TS_NOAPP").sum, 1);
  // Exactly three T-Servers: no series labelled by a file name (SfB_A, SfB_B).
  EXPECT_EQ(event_error_series(m), 3 * kSeriesPerTServer);
  EXPECT_TRUE(HasLine(m, "tserver_exporter_malformed_records_total 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_lines_skipped_total{reason=\"unrecognized\"} 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_opened_total 5"));

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;
}

// ------------------------------------------------------------------------------------------
// 4. *.snapshot.log, *.memory.log (and *.qsp) that match the glob are never read.

TEST_F(E2E, ExcludedFilesAreNeverCounted) {
  const std::string seg = logs_ / "TS_X.20251217_100000_000.log";
  const std::string seg_text =
      header("TS_X", "TS_X.20251217_100000_000.log") + shape_a(57, "0000000000000301");
  write_file(seg, seg_text);
  // Duplicate outputs, present at start, with EventErrors of other codes.
  const std::string dup_text = header("TS_X", "copy") + shape_a(58, "0000000000000401") +
                               shape_a(58, "0000000000000402") + check_point();
  write_file(logs_ / "TS_X.20251217_100000_000.snapshot.log", dup_text);
  write_file(logs_ / "TS_X.20251217_100000_000.memory.log",
             header("TS_X", "copy") + shape_a(59, "0000000000000501") + check_point());
  write_file(logs_ / "TS_X.20251217_100000_000.qsp",
             header("TS_X", "copy") + shape_a(61, "0000000000000601") + check_point());

  const std::string glob = logs_ / "TS_X.*";
  Process daemon(daemon_args({"--source.file=" + glob, "--source.from-beginning"}),
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);

  std::string m = scrape_until(port, {bytes_read_line(seg_text.size())});
  ASSERT_TRUE(HasLine(m, bytes_read_line(seg_text.size())));
  EXPECT_TRUE(HasLine(m, errors_line("TS_X", "57", "TERR_TIMEOUT", 1)));

  // Excluded files that appear later (a crash-time snapshot, a memory dump), then an EventError
  // appended to the real segment: once that one is read, the later files have been scanned.
  write_file(logs_ / "TS_X.20251217_103000_000.snapshot.log", dup_text);
  write_file(logs_ / "TS_X.20251217_103000_000.memory.log",
             header("", "copy") + shape_a(59, "0000000000000502") + check_point());
  const std::string more = shape_a(57, "0000000000000302") + check_point();
  append_file(seg, more);

  const std::vector<std::string> want{
      bytes_read_line(seg_text.size() + more.size()),
      errors_line("TS_X", "57", "TERR_TIMEOUT", 2),
      errors_line("TS_X", "58", "TERR_OUT_OF_SERVICE", 0),
      errors_line("TS_X", "59", "TERR_NOT_CONFIGURED", 0),
      errors_line("TS_X", "61", "TERR_INV_CALL_DN", 0),
      "tserver_exporter_files_opened_total 1",
  };
  m = scrape_until(port, want);
  for (const auto& line : want) EXPECT_TRUE(HasLine(m, line));
  EXPECT_EQ(tserver_series(m, "TS_X").sum, 2);
  EXPECT_EQ(event_error_series(m), kSeriesPerTServer);  // no T-Server named after a copy

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;

  const RunResult once = run({"--once", "--source.file=" + glob}, proc_.path());
  ASSERT_FALSE(once.timed_out);
  EXPECT_TRUE(once.status.exited && once.status.code == 0) << once.status << "\n" << once.err;
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_X", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_X", "58", "TERR_OUT_OF_SERVICE", 0)));
  EXPECT_EQ(tserver_series(once.out, "TS_X").sum, 2);
  EXPECT_EQ(event_error_series(once.out), kSeriesPerTServer);
  EXPECT_TRUE(HasLine(once.out, "tserver_exporter_files_opened_total 1"));
  EXPECT_TRUE(HasLine(once.out, bytes_read_line(seg_text.size() + more.size())));
}

// ------------------------------------------------------------------------------------------
// 5. Errors: bad flags, a port in use; and a glob that matches nothing yet.

bool is_one_error_line(const std::string& err) {
  return err.starts_with("tserver_exporter: error: ") && err.ends_with("\n") &&
         count_lines(err) == 1;
}

TEST_F(E2E, BadFlagExitsWithCode2AndOneLine) {
  const std::vector<std::vector<std::string>> bad{
      {"--source.file=" + logs_.path() + "/*.log", "--no-such-flag"},
      {"--source.file=" + logs_.path() + "/*.log", "--source.poll-interval=fast"},
      {"--source.file=" + logs_.path() + "/*.log", "--web.telemetry-path=/"},
      {"--web.listen-address=127.0.0.1:0"},  // no --source.file
  };
  for (const auto& args : bad) {
    const RunResult r = run(args, proc_.path());
    ASSERT_FALSE(r.timed_out) << args.back();
    EXPECT_TRUE(r.status.exited && r.status.code == 2) << args.back() << ": " << r.status;
    EXPECT_TRUE(is_one_error_line(r.err)) << args.back() << ": stderr is [" << r.err << "]";
    EXPECT_EQ(r.out, "") << args.back();
  }
}

TEST_F(E2E, PortInUseExitsWithCode1AndOneLine) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  const RunResult r = run({"--source.file=" + logs_.path() + "/*.log",
                           "--web.listen-address=127.0.0.1:" + std::to_string(port),
                           "--source.poll-interval=50ms"},
                          proc_.path());
  ASSERT_FALSE(r.timed_out) << "the exporter kept running on a port in use";
  EXPECT_TRUE(r.status.exited && r.status.code == 1) << r.status;
  EXPECT_TRUE(is_one_error_line(r.err)) << "stderr is [" << r.err << "]";
  EXPECT_NE(r.err.find(std::to_string(port)), std::string::npos) << r.err;
}

TEST_F(E2E, GlobMatchingNothingWaitsAndReadsTheLateFileFromByteZero) {
  const std::string glob = logs_ / "TS_LATE.*.log";
  Process daemon(daemon_args({"--source.file=" + glob}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  // The first poll has found nothing (so the file below is not "present at start").
  ASSERT_TRUE(daemon.wait_stderr("no file matches " + glob));
  auto r = http(port, "GET", "/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(event_error_series(r->body), 0);
  EXPECT_TRUE(daemon.running());

  const std::string text = header("TS_LATE", "TS_LATE.20251217_120000_000.log") +
                           shape_a(58, "0000000000000701") + shape_a(58, "0000000000000702") +
                           check_point();
  write_file(logs_ / "TS_LATE.20251217_120000_000.log", text);

  const std::vector<std::string> want{
      bytes_read_line(text.size()),
      errors_line("TS_LATE", "58", "TERR_OUT_OF_SERVICE", 2),
  };
  const std::string m = scrape_until(port, want);
  for (const auto& line : want) EXPECT_TRUE(HasLine(m, line));
  EXPECT_EQ(tserver_series(m, "TS_LATE").sum, 2);
  EXPECT_EQ(event_error_series(m), kSeriesPerTServer);
  EXPECT_TRUE(daemon.wait_stderr("files now match " + glob));

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;
}

// ------------------------------------------------------------------------------------------
// 6. Signals: SIGHUP is logged and ignored; SIGTERM and SIGINT stop it with exit code 0.

TEST_F(E2E, SighupIsIgnoredSigtermAndSigintStopCleanly) {
  const std::string seg = logs_ / "TS_SIG.20251217_100000_000.log";
  write_file(seg, header("TS_SIG", "TS_SIG.20251217_100000_000.log"));

  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  // A served scrape means the event loop runs, so the signal handlers are installed.
  std::string m = scrape_until(port, {errors_line("TS_SIG", "57", "TERR_TIMEOUT", 0)});
  ASSERT_TRUE(HasLine(m, errors_line("TS_SIG", "57", "TERR_TIMEOUT", 0)));

  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
  ASSERT_TRUE(daemon.wait_stderr("SIGHUP received"));
  EXPECT_TRUE(daemon.running());

  // Still serving, and still following the file.
  const std::string more = shape_a(57, "0000000000000801") + check_point();
  append_file(seg, more);
  m = scrape_until(port, {bytes_read_line(more.size()),
                          errors_line("TS_SIG", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, bytes_read_line(more.size())));
  EXPECT_TRUE(HasLine(m, errors_line("TS_SIG", "57", "TERR_TIMEOUT", 1)));
  auto r = http(port, "GET", "/-/healthy");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(daemon.running());

  const ExitStatus term = daemon.stop(SIGTERM);
  EXPECT_TRUE(term.exited && term.code == 0) << term;
  EXPECT_NE(daemon.stderr_text().find("SIGTERM received; stopping"), std::string::npos);
  EXPECT_NE(daemon.stderr_text().find(" stopped"), std::string::npos);
  EXPECT_FALSE(http(port, "GET", "/-/healthy").has_value()) << "still listening after exit";

  Process second(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port2 = second.port();
  ASSERT_NE(port2, 0);
  ASSERT_NE(scrape(port2), "");
  const ExitStatus interrupted = second.stop(SIGINT);
  EXPECT_TRUE(interrupted.exited && interrupted.code == 0) << interrupted;
  EXPECT_NE(second.stderr_text().find("SIGINT received; stopping"), std::string::npos);
}

// ------------------------------------------------------------------------------------------
// Regressions: each of these once failed.

// A 04542 `EventError sent to` record with no dump right before it is an EventError of unknown
// code (contract 3.4), even when an earlier shape-A dump never got its trailer: a trailer is the
// record right after its dump, so the Check point record in between ends the pairing.
TEST_F(E2E, LoneEventSentAfterAnUnpairedDumpIsCounted) {
  std::string text = header("TS_BUG1", "TS_BUG1.20251217_100000_000.log");
  text += "@10:15:24.8070 [0] 8.5.001.23 distribute_event: message EventError\n"
          "\tAttributeEventSequenceNumber\t0000000000000901\n"
          "\tAttributeErrorCode\t57\n";
  text += check_point();  // the dump is closed; no trailer came
  text += "2025-12-17T11:00:05.000 Trc 04542 EventError sent to [725] (0000002b WDE_02 "
          "10.1.2.4:51235)\n";
  text += check_point();
  write_file(logs_ / "TS_BUG1.20251217_100000_000.log", text);
  const RunResult once = run({"--once", "--source.file=" + logs_.path() + "/*.log"}, proc_.path());
  ASSERT_FALSE(once.timed_out);
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_BUG1", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_BUG1", "unknown", "UNKNOWN", 1)));
}

// A CRLF line split between its CR and its LF by a segment rollover: the joined line must lose
// its CR, or `291\r` is no number and the EventError is counted as unknown.
TEST_F(E2E, LineSplitBetweenCrAndLfAcrossSegments) {
  write_file(logs_ / "TS_BUG2.20251217_100000_000.log",
             header("TS_BUG2", "TS_BUG2.20251217_100000_000.log", "\r\n") +
                 "@10:15:25.0010 [0] 8.5.001.23 send_to_client: message EventError\r\n"
                 "\tAttributeEventSequenceNumber\t0000000000000a01\r\n"
                 "\tAttributeErrorCode\t291\r");
  write_file(logs_ / "TS_BUG2.20251217_110000_000.log",
             header("TS_BUG2", "TS_BUG2.20251217_110000_000.log", "\r\n") + "\n" + kTrailer +
                 "\r\n" + check_point("\r\n"));
  const RunResult once = run({"--once", "--source.file=" + logs_.path() + "/*.log"}, proc_.path());
  ASSERT_FALSE(once.timed_out);
  EXPECT_TRUE(HasLine(once.out,
                      errors_line("TS_BUG2", "291", "Other telephony operation in progress", 1)));
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_BUG2", "unknown", "UNKNOWN", 0)));
  EXPECT_TRUE(HasLine(once.out, "tserver_exporter_malformed_records_total 0"));
}

// The idle flush resolves a 04542 `EventError sent to` record that waits for its shape-B dump
// as a lone record (error_code="unknown"); when the column-0 `message EventError` dump arrives
// after a pause longer than --source.idle-flush, it must not be counted again.
TEST_F(E2E, ShapeBDumpAfterIdleFlushIsCountedOnce) {
  const std::string seg = logs_ / "TS_BUG3.20251217_100000_000.log";
  write_file(seg, header("TS_BUG3", "TS_BUG3.20251217_100000_000.log"));
  Process daemon(daemon_args({"--source.file=" + seg, "--source.idle-flush=100ms"}),
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  ASSERT_NE(scrape_until(port, {errors_line("TS_BUG3", "236", "Timeout performing operation", 0)}),
            "");

  const std::string record =
      "2025-12-17T11:00:01.100 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
      "10.1.2.3:51234)\n";
  append_file(seg, record);
  ASSERT_NE(scrape_until(port, {bytes_read_line(record.size())}), "");
  // The idle flush counts the lone record as unknown.
  ASSERT_NE(scrape_until(port, {errors_line("TS_BUG3", "unknown", "UNKNOWN", 1)}), "");

  const std::string dump =
      std::string("message EventError\n") + "\tAttributeEventSequenceNumber\t0000000000000b01\n" +
      "\tAttributeErrorCode\t236\n" + check_point();
  append_file(seg, dump);
  const std::string m = scrape_until(port, {bytes_read_line(record.size() + dump.size())});
  ASSERT_TRUE(HasLine(m, bytes_read_line(record.size() + dump.size())));
  EXPECT_EQ(tserver_series(m, "TS_BUG3").sum, 1) << "one EventError, counted "
                                                  << tserver_series(m, "TS_BUG3").sum << " times";
}

}  // namespace
