// The configuration end to end: the real binary with --config.file, --config.check and bad
// flags. Every command-line or configuration error exits 2, before anything is opened or
// bound; a named source counts under its name from its first scrape.
#include "e2e_support.h"
#include "log_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <filesystem>

namespace {

using namespace tse::e2e;
namespace fs = std::filesystem;

class Configuration : public ::testing::Test {
 protected:
  // Writes the configuration file, `LOGS` in `text` replaced by the logs' directory.
  std::string write_config(std::string text) {
    for (std::size_t at; (at = text.find("LOGS")) != std::string::npos;) {
      text.replace(at, 4, logs_.path());
    }
    const std::string path = config_ / "tserver_exporter.yml";
    write_file(path, text);
    return path;
  }
  static std::vector<std::string> lines_of(const std::string& text) { return split_lines(text); }

  TempDir logs_;
  TempDir proc_;
  TempDir state_;
  TempDir config_;
};

// Today's typos that were found only after binding, with exit 1 (which systemd restarts
// forever): now exit 2, one line, and nothing opened (not even the state directory).
TEST_F(Configuration, ABadListenAddressOrSyslogUrlExits2BeforeAnythingIsBound) {
  const std::string state = state_ / "never";
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad{
      {{"--source.file=" + logs_ / "*.log", "--web.listen-address=10057"},
       "tserver_exporter: error: --web.listen-address \"10057\" has no port; use HOST:PORT or "
       ":PORT\n"},
      {{"--web.listen-address=127.0.0.1:0", "--source.syslog=udp//127.0.0.1:0"},
       "tserver_exporter: error: --source.syslog takes udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (got "
       "\"udp//127.0.0.1:0\")\n"},
      {{"--web.listen-address=127.0.0.1:0", "--source.syslog=udp://127.0.0.1:99999"},
       "tserver_exporter: error: --source.syslog: \"udp://127.0.0.1:99999\" has a bad port "
       "\"99999\"\n"},
      {{"--source.file=" + logs_ / "*.log", "--source.request-timeout=0s"},
       "tserver_exporter: error: --source.request-timeout must be > 0\n"},
  };
  for (const auto& [flags, want] : bad) {
    std::vector<std::string> args = flags;
    args.push_back("--storage.path=" + state);
    const RunResult r = run(args, proc_.path());
    ASSERT_FALSE(r.timed_out) << flags.back();
    EXPECT_TRUE(r.status.exited && r.status.code == 2) << flags.back() << ": " << r.status;
    EXPECT_EQ(r.err, want);
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(fs::exists(state)) << flags.back() << ": the state directory was created";
  }
}

TEST_F(Configuration, ABadFileExits2WithEveryErrorAtItsLineAndColumn) {
  const std::string file = write_config(
      "sources:\n"
      "  - file: LOGS/*.log\n"
      "    tserver: A\n"
      "    tserver: B\n"
      "limits:\n"
      "  max_stream: 5\n"
      "web:\n"
      "  listen_addresses: ['10057']\n");
  for (const bool check : {false, true}) {
    std::vector<std::string> args{"--config.file=" + file, "--storage.path=" + state_ / "never"};
    if (check) args.push_back("--config.check");
    const RunResult r = run(args, proc_.path());
    ASSERT_FALSE(r.timed_out);
    EXPECT_TRUE(r.status.exited && r.status.code == 2) << r.status;
    EXPECT_EQ(lines_of(r.err),
              (std::vector<std::string>{
                  "tserver_exporter: error: " + file +
                      ":4:5: duplicate key \"tserver\" in sources[0] (first at line 3); give "
                      "each key once",
                  "tserver_exporter: error: " + file +
                      ":6:3: unknown key \"max_stream\" in limits; expected one of "
                      "metrics_max_tservers, source_max_tservers, source_max_origins, "
                      "udp_receive_buffer, max_streams, max_open_files, web_max_connections",
                  "tserver_exporter: error: " + file +
                      ":8:22: web.listen_addresses[0] \"10057\" has no port; use HOST:PORT or "
                      ":PORT"}));
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(fs::exists(state_ / "never"));
  }
}

// A configuration file named by mistake (a directory, a FIFO, /dev/zero, a log of many MB):
// one line and exit 2 at once; not an empty configuration, a hang or all the memory.
TEST_F(Configuration, AFileThatIsNoConfigurationFileExits2WithOneLine) {
  fs::create_directory(config_ / "a-directory");
  ASSERT_EQ(::mkfifo((config_ / "a-fifo").c_str(), 0600), 0);
  write_file(config_ / "huge.yml", "# " + std::string(5 * 1024 * 1024, 'x') + "\n");
  const std::vector<std::pair<std::string, std::string>> cases{
      {config_ / "a-directory", "is a directory"},
      {config_ / "a-fifo", "is not a regular file (a FIFO, a device or a socket)"},
      {"/dev/zero", "is not a regular file (a FIFO, a device or a socket)"},
      {config_ / "huge.yml", "is larger than 4 MiB"},
  };
  for (const auto& [path, why] : cases) {
    const RunResult r = run({"--config.file=" + path, "--source.file=" + logs_ / "*.log",
                             "--storage.path=" + state_ / "never", "--config.check"},
                            proc_.path());
    ASSERT_FALSE(r.timed_out) << path;
    EXPECT_TRUE(r.status.exited && r.status.code == 2) << path << ": " << r.status;
    EXPECT_EQ(r.err, "tserver_exporter: error: " + path +
                         ": cannot read the configuration file: " + why +
                         "; expected a readable YAML file\n");
  }
}

TEST_F(Configuration, ConfigCheckPrintsWhatWouldRunAndExits0WithoutBinding) {
  const std::string file = write_config(
      "sources:\n"
      "  - file: LOGS/TS_A.*.log\n"
      "    tserver: TS_A\n"
      "  - tcp: 127.0.0.1:5170\n"
      "limits: {max_streams: 9}\n"
      "catalog: {codes: [{code: 9001, name: SITE_X}]}\n");
  const RunResult r = run({"--config.file=" + file, "--config.check",
                           "--web.listen-address=127.0.0.1:1", "--storage.path=" + state_ / "s"},
                          proc_.path());
  ASSERT_FALSE(r.timed_out);
  EXPECT_TRUE(r.status.exited && r.status.code == 0) << r.status << r.err;
  EXPECT_EQ(r.err, "");
  const std::string want =
      "configuration CONFIG is valid\n"
      "sources:\n"
      "  file LOGS/TS_A.*.log  tserver TS_A\n"
      "  tcp 127.0.0.1:5170  (tserver from the log)\n"
      "metrics at http://127.0.0.1:1/metrics\n"
      "state file in STATE/s, written every 5s\n"
      "limits (not the defaults):\n"
      "  max_streams: 9\n"
      "catalog: 35 codes (34 built in), 0 tables, 1 codes of the configuration\n"
      "log level info, format logfmt\n";
  std::string out = r.out;
  for (const auto& [path, name] : {std::pair{file, "CONFIG"}, std::pair{logs_.path(), "LOGS"},
                                   std::pair{state_.path(), "STATE"}}) {
    for (std::size_t at; (at = out.find(path)) != std::string::npos;)
      out.replace(at, path.size(), name);
  }
  EXPECT_EQ(out, want);
  EXPECT_FALSE(fs::exists(state_ / "s"));
}

// A named source's T-Server is known before its first file exists: every code at 0 in the
// first scrape, so that its first EventError is an increase(). What it reads then counts under
// its name, not under the header's Application name.
TEST_F(Configuration, ANamedFileSourceHasItsCodesAtZeroBeforeItsFileExists) {
  const std::string file = write_config(
      "sources:\n"
      "  - file: 'LOGS/TS_LATE.*.log'\n"
      "    tserver: SITE_TS\n"
      "source: {poll_interval: 50ms}\n"
      "web: {listen_addresses: [':1']}\n");  // the flag below wins
  Process daemon({"--config.file=" + file, "--web.listen-address=127.0.0.1:0",
                  "--storage.path=" + state_.path()},
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0) << daemon.stderr_text();
  std::string m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("SITE_TS", "57", "TERR_TIMEOUT", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("SITE_TS", "unknown", "UNKNOWN", 0)));
  std::size_t series = 0;
  for (const auto& line : split_lines(m)) {
    series += line.starts_with("tserver_event_errors_total{") &&
              line.find("tserver=\"SITE_TS\"") != std::string::npos;
  }
  EXPECT_EQ(series, static_cast<std::size_t>(kSeriesPerTServer));

  write_file(logs_ / "TS_LATE.20251217_100000_000.log",
             header("TServer_In_Header", "TS_LATE.20251217_100000_000.log") +
                 shape_a(57, "0000000000000100"));
  m = scrape_until(port, {errors_line("SITE_TS", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("SITE_TS", "57", "TERR_TIMEOUT", 1)));
  EXPECT_EQ(m.find("TServer_In_Header"), std::string::npos);
  EXPECT_EQ(m.find("tserver=\"TS_LATE\""), std::string::npos);
}

// A named network source: a stream with its own header still counts under the source's name.
TEST_F(Configuration, ANamedTcpSourceCountsUnderItsNameWhateverTheHeaderSays) {
  const std::string file = write_config(
      "sources:\n"
      "  - tcp: 127.0.0.1:0\n"
      "    tserver: NET_TS\n");
  Process daemon({"--config.file=" + file, "--web.listen-address=127.0.0.1:0",
                  "--storage.path=" + state_.path()},
                 proc_.path());
  const int http = daemon.port();
  ASSERT_NE(http, 0) << daemon.stderr_text();
  EXPECT_TRUE(HasLine(scrape(http), errors_line("NET_TS", "57", "TERR_TIMEOUT", 0)));
  const std::string needle = "on 127.0.0.1:0, port ";
  ASSERT_TRUE(daemon.wait_stderr(needle));
  const std::string err = daemon.stderr_text();
  const int port = std::atoi(err.c_str() + err.find(needle) + needle.size());
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  write_all(fd, header("Header_Name", "x.log") + shape_a(57, "0000000000000100") +
                    shape_a(57, "0000000000000101"));
  ::close(fd);
  const std::string m = scrape_until(http, {errors_line("NET_TS", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("NET_TS", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(m.find("Header_Name"), std::string::npos);
}

// Standard input, named: read once to its end, counted under the source's name.
TEST_F(Configuration, ANamedStdinCountsUnderItsNameWithOnce) {
  const std::string file = write_config(
      "sources:\n"
      "  - stdin: true\n"
      "    tserver: IN_TS\n");
  const std::string input = proc_ / "input.log";
  write_file(input, header("Header_Name", "x.log") + shape_a(57, "0000000000000100"));
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  Process once({"--config.file=" + file, "--once"}, proc_.path(), fd);
  ::close(fd);
  const auto status = once.wait_exit();
  ASSERT_TRUE(status && status->exited && status->code == 0);
  const std::string m = once.stdout_text();
  EXPECT_TRUE(HasLine(m, errors_line("IN_TS", "57", "TERR_TIMEOUT", 1)));
  EXPECT_EQ(m.find("Header_Name"), std::string::npos);
}

}  // namespace
