// End-to-end: what a node_exporter user expects of the real binary (issue 13): /-/ready,
// POST /-/reload, the process_* metrics, --log.format, --log.level=warning and a repeatable
// --web.listen-address.
#include "e2e_support.h"
#include "log_text.h"

#include <cmath>
#include <set>

namespace {

using namespace tse::e2e;

class NodeConventions : public ::testing::Test {
 protected:
  std::vector<std::string> daemon_args(const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"--source.poll-interval=50ms", "--storage.path=" + state_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  // Every port of the daemon's "listening on 127.0.0.1:PORT" lines, once `n` have come.
  static std::vector<int> listening_ports(Process& daemon, std::size_t n) {
    std::vector<int> ports;
    eventually([&] {
      ports.clear();
      const std::string text = daemon.stderr_text();
      static constexpr std::string_view kMarker = "listening on 127.0.0.1:";
      for (std::size_t at = text.find(kMarker); at != std::string::npos;
           at = text.find(kMarker, at + 1)) {
        ports.push_back(std::atoi(text.c_str() + at + kMarker.size()));
      }
      return ports.size() >= n || !daemon.running();
    });
    return ports;
  }

  TempDir logs_;
  TempDir proc_;
  TempDir state_;
};

// The exposition line's value as a number; NaN when the series is missing.
double number(const std::string& exposition, const std::string& series) {
  const auto value = value_of(exposition, series);
  return value ? std::stod(*value) : std::nan("");
}

TEST_F(NodeConventions, ReadyProcessMetricsReloadAndTwoAddresses) {
  const std::string seg = logs_ / "TS_NODE.20251217_100000_000.log";
  write_file(seg, header("TS_NODE", "TS_NODE.20251217_100000_000.log"));
  const double started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  Process daemon(daemon_args({"--source.file=" + seg, "--web.listen-address=127.0.0.1:0",
                              "--web.listen-address=127.0.0.1:0"}),
                 proc_.path());
  const std::vector<int> ports = listening_ports(daemon, 2);
  ASSERT_EQ(ports.size(), 2u) << daemon.stderr_text();
  ASSERT_NE(ports[0], ports[1]);

  for (const int port : ports) {
    EXPECT_TRUE(eventually([&] {
      const auto r = http(port, "GET", "/-/ready");
      return r && r->status == 200 && r->body == "OK\n";
    })) << port;
    const auto healthy = http(port, "GET", "/-/healthy");
    ASSERT_TRUE(healthy.has_value());
    EXPECT_EQ(healthy->status, 200);
  }

  // The process_* metrics, with the client libraries' types, after the exporter's own.
  const std::string m = scrape(ports[1]);
  for (const char* type :
       {"# TYPE process_cpu_seconds_total counter", "# TYPE process_max_fds gauge",
        "# TYPE process_open_fds gauge", "# TYPE process_resident_memory_bytes gauge",
        "# TYPE process_start_time_seconds gauge", "# TYPE process_virtual_memory_bytes gauge"}) {
    EXPECT_TRUE(HasLine(m, type)) << m;
  }
  EXPECT_GE(number(m, "process_cpu_seconds_total"), 0.0);
  EXPECT_GT(number(m, "process_open_fds"), 4.0);  // 3 standard, 2 listening sockets, the log
  EXPECT_GE(number(m, "process_max_fds"), number(m, "process_open_fds"));
  EXPECT_GT(number(m, "process_resident_memory_bytes"), 1e6);
  EXPECT_GE(number(m, "process_virtual_memory_bytes"), number(m, "process_resident_memory_bytes"));
  EXPECT_GE(number(m, "process_start_time_seconds"), std::floor(started) - 1.0);
  EXPECT_LE(number(m, "process_start_time_seconds"), started + 5.0);
  EXPECT_LT(m.find("# TYPE tserver_event_errors_total"), m.find("# TYPE process_"));

  // POST /-/reload reads the configuration again (flags alone here: nothing changes) and
  // answers once it is applied; GET is refused with the method to use.
  auto r = http(ports[0], "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  EXPECT_TRUE(daemon.wait_stderr("POST /-/reload: reloading the configuration"));
  EXPECT_TRUE(daemon.wait_stderr("reload: the configuration is applied"));
  r = http(ports[0], "GET", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "POST");

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;
  // logfmt by default: every line is ts=... level=... msg=...
  for (const auto& line : split_lines(daemon.stderr_text())) {
    EXPECT_TRUE(line.starts_with("ts=") && line.find(" level=info msg=") == 27) << line;
  }
  EXPECT_NE(daemon.stderr_text().find(" level=info msg=stopped\n"), std::string::npos);
}

// --log.format=json: one JSON object a line; --log.level=warning (what a log prints) is taken
// and leaves the info lines out.
TEST_F(NodeConventions, JsonLinesAndTheWarningLevel) {
  const std::string seg = logs_ / "TS_JSON.20251217_100000_000.log";
  write_file(seg, header("TS_JSON", "TS_JSON.20251217_100000_000.log"));
  {
    Process daemon(daemon_args({"--source.file=" + seg, "--web.listen-address=127.0.0.1:0",
                                "--log.format=json"}),
                   proc_.path());
    ASSERT_NE(daemon.port(), 0);
    EXPECT_TRUE(daemon.stop().exited);
    const auto lines = split_lines(daemon.stderr_text());
    ASSERT_GE(lines.size(), 3u);
    std::set<std::string> messages;
    for (const auto& line : lines) {
      ASSERT_TRUE(line.starts_with("{\"ts\":\"") && line.ends_with("\"}")) << line;
      EXPECT_EQ(line.substr(31, 18), "\",\"level\":\"info\",\"") << line;
      messages.insert(line.substr(line.find("\"msg\":")));
    }
    EXPECT_EQ(messages.count("\"msg\":\"stopped\"}"), 1u);
  }
  write_file(state_ / "not-a-dir", "x");
  Process quiet(daemon_args({"--source.file=" + seg, "--web.listen-address=127.0.0.1:0",
                             "--log.level=warning", "--storage.path=" + state_ / "not-a-dir"}),
                proc_.path());
  // Only the warning about the state directory is printed: no "listening" line at info.
  ASSERT_TRUE(quiet.wait_stderr(" level=warn msg="));
  EXPECT_EQ(quiet.stderr_text().find("level=info"), std::string::npos) << quiet.stderr_text();
  EXPECT_TRUE(quiet.running());
}

// A port in use on the second of two addresses: exit 1 with one line, as with one address.
TEST_F(NodeConventions, APortInUseOnAnyAddressExitsWithOneLine) {
  // The port of another exporter that runs.
  Process holder(
      daemon_args({"--source.file=" + logs_.path() + "/*.log", "--web.listen-address=127.0.0.1:0"}),
      proc_.path());
  ASSERT_NE(holder.port(), 0);
  const std::string port = std::to_string(holder.port());
  for (const auto& addresses : {std::vector<std::string>{"127.0.0.1:" + port, "127.0.0.1:0"},
                                std::vector<std::string>{"127.0.0.1:0", "127.0.0.1:" + port}}) {
    std::vector<std::string> args{"--source.file=" + logs_.path() + "/*.log"};
    for (const auto& address : addresses) args.push_back("--web.listen-address=" + address);
    const RunResult r = run(daemon_args(args), proc_.path());
    ASSERT_FALSE(r.timed_out) << addresses[0] << " " << addresses[1];
    EXPECT_TRUE(r.status.exited && r.status.code == 1) << r.status;
    EXPECT_EQ(r.err, "tserver_exporter: error: cannot listen on 127.0.0.1:" + port +
                         ": Address already in use\n");
  }
}

}  // namespace
