// Reload end to end: the real binary, its configuration file rewritten, then SIGHUP or
// POST /-/reload. Each reload keeps every count it had: the counters are checked unchanged
// across it, and what the reload changed (a source, a code's name, the users, the log level) is
// checked in exact exposition lines and exact counts.
#include "e2e_support.h"
#include "log_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>

namespace {

using namespace tse::e2e;

constexpr const char* kDaveHash = "$2y$10$2UXri9cIDdgeKjBo4Rlpx.U3ZLDV8X1IxKmsfOvhcM5oXQt/mLmXq";

// The source part every test starts from: TS_A's segments, read from their first byte, polled
// often.
constexpr const char* kSourceA =
    "sources:\n"
    "  - file: 'LOGS/TS_A.*.log'\n"
    "    tserver: TS_A\n";
constexpr const char* kPolling = "source: {from_beginning: true, poll_interval: 50ms}\n";

class Reload : public ::testing::Test {
 protected:
  // Writes (or rewrites) the configuration file, `LOGS` replaced by the logs' directory.
  std::string write_config(std::string text) {
    for (std::size_t at; (at = text.find("LOGS")) != std::string::npos;) {
      text.replace(at, 4, logs_.path());
    }
    write_file(config_file(), text);
    return config_file();
  }
  [[nodiscard]] std::string config_file() const { return config_ / "tserver_exporter.yml"; }

  std::unique_ptr<Process> start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--config.file=" + config_file(),
                                  "--web.listen-address=127.0.0.1:0",
                                  "--storage.path=" + state_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(args, proc_.path());
  }

  // TS_A's first segment with `codes`, one EventError each.
  void write_a(const std::vector<int>& codes, const std::string& first_seq = "100") {
    std::string text = header("Header_A", "TS_A.20251217_100000_000.log");
    int seq = std::stoi(first_seq);
    for (const int code : codes) text += shape_a(code, "0000000000000" + std::to_string(seq++));
    write_file(logs_ / "TS_A.20251217_100000_000.log", text);
  }

  // The daemon on TS_A's segment with one 57, once that 57 is counted; returns its HTTP port.
  int start_counting_a(std::unique_ptr<Process>& daemon,
                       const std::vector<std::string>& extra = {}) {
    write_config(std::string(kSourceA) + kPolling);
    write_a({57});
    daemon = start(extra);
    const int port = daemon->port();
    if (port == 0) return 0;
    const std::string m = scrape_until(port, {errors_line("TS_A", "57", "TERR_TIMEOUT", 1)});
    EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));
    return port;
  }

  // Sends SIGHUP and waits for the reload's last log line (applied, or refused).
  static void hangup(Process& daemon, int nth) {
    ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually([&] {
      const std::string err = daemon.stderr_text();
      int seen = 0;
      for (std::size_t at = 0; (at = err.find("SIGHUP: reloading", at)) != std::string::npos;
           ++at) {
        ++seen;
      }
      return seen >= nth &&
             (err.rfind("reload: the configuration is applied") > err.rfind("SIGHUP: reloading") ||
              err.rfind("the configuration in force stays") > err.rfind("SIGHUP: reloading"));
    })) << daemon.stderr_text();
  }

  static std::string reload_gauge(int value) {
    return "tserver_exporter_config_last_reload_successful " + std::to_string(value);
  }

  TempDir logs_;
  TempDir proc_;
  TempDir state_;
  TempDir config_;
};

// A free TCP port on 127.0.0.1 at the time of asking (another process may take it before the
// exporter binds it: the caller retries).
int free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// curl's status code for GET /metrics on plain HTTP, with `extra` options (credentials).
int curl_status(int port, const std::string& extra) {
  const std::string command = "curl -s -o /dev/null -w '%{http_code}' --max-time 5 " + extra +
                              " http://127.0.0.1:" + std::to_string(port) + "/metrics";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[16] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  ::pclose(pipe);
  return std::atoi(std::string(buffer, n).c_str());
}

// SIGHUP adds a named file source: its T-Server has every code at 0 right after the reload,
// before its file exists; then its file's EventErrors count once each. The first source's counts
// go on unchanged.
TEST_F(Reload, SighupAddsANamedFileSourceAtZeroThenCountsItsFileOnce) {
  write_config(std::string(kSourceA) + kPolling);
  write_a({57, 57});
  auto daemon = start();
  const int port = daemon->port();
  ASSERT_NE(port, 0) << daemon->stderr_text();
  std::string m = scrape_until(port, {errors_line("TS_A", "57", "TERR_TIMEOUT", 2)});
  ASSERT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "TS_B").series, 0);

  write_config(std::string(kSourceA) +
               "  - file: 'LOGS/TS_B.*.log'\n"
               "    tserver: TS_B\n" +
               kPolling);
  hangup(*daemon, 1);
  m = scrape_until(port, {errors_line("TS_B", "57", "TERR_TIMEOUT", 0)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_B", "57", "TERR_TIMEOUT", 0)));
  EXPECT_EQ(tserver_series(m, "TS_B").series, kSeriesPerTServer);
  EXPECT_EQ(tserver_series(m, "TS_B").sum, 0);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 2);
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));
  EXPECT_TRUE(daemon->wait_stderr("reload: following " + logs_.path() + "/TS_B.*.log"));

  write_file(logs_ / "TS_B.20251217_100000_000.log",
             header("Header_B", "TS_B.20251217_100000_000.log") + shape_a(57, "0000000000000300") +
                 shape_b(236, "0000000000000301") + check_point());
  m = scrape_until(port, {errors_line("TS_B", "57", "TERR_TIMEOUT", 1),
                          errors_line("TS_B", "236", "Timeout performing operation", 1)});
  // Several polls later, still once each: the new source's file is not read twice.
  std::this_thread::sleep_for(300ms);
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("TS_B", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_B", "236", "Timeout performing operation", 1)));
  EXPECT_EQ(tserver_series(m, "TS_B").sum, 2);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 2);
  EXPECT_EQ(m.find("Header_B"), std::string::npos);
}

// POST /-/reload renames code 57 through catalog.codes: its count moves to the new error_name at
// once (the answer comes after the new exposition is published), tserver_error_code_info says
// the new name, and a restart restores the count under it.
TEST_F(Reload, PostRenamesACodeWithItsCountAndARestartKeepsIt) {
  write_config(std::string(kSourceA) + kPolling);
  write_a({57, 57, 56});
  auto daemon = start();
  const int port = daemon->port();
  ASSERT_NE(port, 0) << daemon->stderr_text();
  std::string m = scrape_until(port, {errors_line("TS_A", "57", "TERR_TIMEOUT", 2),
                                      errors_line("TS_A", "56", "TERR_INV_CONNID", 1)});
  ASSERT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));

  write_config(std::string(kSourceA) + kPolling +
               "catalog:\n"
               "  codes:\n"
               "    - {code: 57, name: SITE_TIMEOUT, description: 'The site timeout.'}\n");
  const auto r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  m = scrape(port);  // no retry: the answer came after the exposition was published
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "SITE_TIMEOUT", 2)));
  EXPECT_EQ(m.find("error_code=\"57\",error_name=\"TERR_TIMEOUT\""), std::string::npos);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "56", "TERR_INV_CONNID", 1)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 3);
  EXPECT_EQ(tserver_series(m, "TS_A").series, kSeriesPerTServer);
  EXPECT_TRUE(HasLine(m,
                      "tserver_error_code_info{description=\"The site timeout.\",error_code=\"57\","
                      "error_name=\"SITE_TIMEOUT\"} 1"));
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));

  // Counting goes on under the new name.
  append_file(logs_ / "TS_A.20251217_100000_000.log", shape_a(57, "0000000000000200"));
  m = scrape_until(port, {errors_line("TS_A", "57", "SITE_TIMEOUT", 3)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "SITE_TIMEOUT", 3)));

  const ExitStatus stopped = daemon->stop(SIGTERM);
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped;
  daemon = start();
  const int again = daemon->port();
  ASSERT_NE(again, 0) << daemon->stderr_text();
  m = scrape_until(again, {errors_line("TS_A", "57", "SITE_TIMEOUT", 3)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "SITE_TIMEOUT", 3)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "56", "TERR_INV_CONNID", 1)));
  EXPECT_EQ(m.find("TERR_TIMEOUT"), std::string::npos);
  std::this_thread::sleep_for(300ms);  // a few polls: the file is not counted again
  EXPECT_EQ(tserver_series(scrape(again), "TS_A").sum, 4);
}

// A kept glob whose tserver changes: what is read after the reload counts under the new name,
// from the position the glob had (as after a restart), without waiting for the next segment;
// what was counted stays under the old name.
TEST_F(Reload, ATserverRenameOfAKeptGlobCountsUnderTheNewNameFromThenOn) {
  std::unique_ptr<Process> daemon;
  const int port = start_counting_a(daemon);
  ASSERT_NE(port, 0) << daemon->stderr_text();
  std::string m = scrape(port);
  ASSERT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));

  write_config(
      "sources:\n"
      "  - file: 'LOGS/TS_A.*.log'\n"
      "    tserver: TS_RENAMED\n" +
      std::string(kPolling));
  const auto r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("TS_RENAMED", "57", "TERR_TIMEOUT", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));

  append_file(logs_ / "TS_A.20251217_100000_000.log",
              shape_a(57, "0000000000000200") + shape_a(56, "0000000000000201"));
  m = scrape_until(port, {errors_line("TS_RENAMED", "57", "TERR_TIMEOUT", 1),
                          errors_line("TS_RENAMED", "56", "TERR_INV_CONNID", 1)});
  std::this_thread::sleep_for(300ms);  // a few polls: nothing is read twice
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("TS_RENAMED", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_RENAMED", "56", "TERR_INV_CONNID", 1)));
  EXPECT_EQ(tserver_series(m, "TS_RENAMED").sum, 2);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 1);
}

// A broken file: 500 with the error at its line and column, the gauge at 0, the configuration in
// force still counting; the file fixed: 1, and the success timestamp moves.
TEST_F(Reload, ABrokenFileIsRefusedAndTheOldConfigurationStaysInForce) {
  std::unique_ptr<Process> daemon;
  const int port = start_counting_a(daemon);
  ASSERT_NE(port, 0) << daemon->stderr_text();
  std::string m = scrape(port);
  ASSERT_TRUE(HasLine(m, reload_gauge(1)));
  const auto started_at =
      value_of(m, "tserver_exporter_config_last_reload_success_timestamp_seconds");
  ASSERT_TRUE(started_at.has_value());
  std::this_thread::sleep_for(1100ms);  // the timestamp has seconds at least

  const std::string file = write_config(std::string(kSourceA) + kPolling +
                                        "limits:\n"
                                        "  max_stream: 5\n");
  auto r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "failed to reload config: " + file +
                         ":6:3: unknown key \"max_stream\" in limits; expected one of "
                         "metrics_max_tservers, source_max_tservers, source_max_origins, "
                         "udp_receive_buffer, max_streams, max_open_files, web_max_connections\n");
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, reload_gauge(0)));
  EXPECT_EQ(value_of(m, "tserver_exporter_config_last_reload_success_timestamp_seconds"),
            started_at);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(daemon->wait_stderr("the configuration in force stays as it was"));

  // The old configuration still follows TS_A.
  append_file(logs_ / "TS_A.20251217_100000_000.log", shape_a(57, "0000000000000200"));
  m = scrape_until(port, {errors_line("TS_A", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 2);

  write_config(std::string(kSourceA) + kPolling + "limits:\n  max_streams: 5\n");
  r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));
  const auto reloaded_at =
      value_of(m, "tserver_exporter_config_last_reload_success_timestamp_seconds");
  ASSERT_TRUE(reloaded_at.has_value());
  EXPECT_GE(std::stod(*reloaded_at), std::stod(*started_at) + 1) << *started_at;
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "TS_A").sum, 2);
}

// A reload adds a TCP source (on a port picked free, tried again if taken meanwhile), then
// another removes it: its port is closed, its counts stay.
TEST_F(Reload, AddsAndRemovesANetworkSourceWithItsCountsKept) {
  std::unique_ptr<Process> daemon;
  const int port = start_counting_a(daemon);
  ASSERT_NE(port, 0) << daemon->stderr_text();
  std::string m = scrape(port);
  ASSERT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));

  int tcp = 0;
  for (int attempt = 0; attempt < 5 && tcp == 0; ++attempt) {
    const int candidate = free_tcp_port();
    write_config(std::string(kSourceA) + "  - tcp: 127.0.0.1:" + std::to_string(candidate) +
                 "\n    tserver: NET_TS\n" + kPolling);
    const auto r = http(port, "POST", "/-/reload");
    ASSERT_TRUE(r.has_value());
    if (r->status == 200) tcp = candidate;
  }
  ASSERT_NE(tcp, 0) << daemon->stderr_text();
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("NET_TS", "57", "TERR_TIMEOUT", 0)));
  EXPECT_EQ(tserver_series(m, "NET_TS").series, kSeriesPerTServer);
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));

  const int fd = connect_tcp(tcp);
  ASSERT_GE(fd, 0);
  write_all(fd, header("Header_Name", "x.log") + shape_a(57, "0000000000000100") +
                    shape_a(57, "0000000000000101"));
  ::close(fd);
  m = scrape_until(port, {errors_line("NET_TS", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("NET_TS", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));

  write_config(std::string(kSourceA) + kPolling);
  const auto r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(daemon->wait_stderr("reload: stopped receiving on 127.0.0.1:" + std::to_string(tcp)));
  EXPECT_EQ(connect_tcp(tcp), -1) << "the removed source's port still accepts";
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("NET_TS", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(tserver_series(m, "NET_TS").sum, 2);
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));
}

// A listener that cannot bind (its port held by another socket): the reload answers 500 and
// says so in the gauge, the rest of the configuration goes on counting; once the port is free,
// the next reload binds it.
TEST_F(Reload, AListenerThatCannotBindIsTriedAgainAtTheNextReload) {
  std::unique_ptr<Process> daemon;
  const int port = start_counting_a(daemon);
  ASSERT_NE(port, 0) << daemon->stderr_text();
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 4), 0);
  socklen_t length = sizeof addr;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &length);
  const std::string target = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  write_config(std::string(kSourceA) + "  - tcp: " + target + "\n    tserver: NET_TS\n" + kPolling);
  auto r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500);
  EXPECT_TRUE(r->body.starts_with("failed to reload config: source " + target + ": ")) << r->body;
  std::string m = scrape(port);
  EXPECT_TRUE(HasLine(m, reload_gauge(0)));
  append_file(logs_ / "TS_A.20251217_100000_000.log", shape_a(57, "0000000000000200"));
  m = scrape_until(port, {errors_line("TS_A", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));

  ::close(holder);
  r = http(port, "POST", "/-/reload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << r->body;
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, reload_gauge(1)));
  EXPECT_TRUE(HasLine(m, errors_line("NET_TS", "57", "TERR_TIMEOUT", 0)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_A", "57", "TERR_TIMEOUT", 2)));
  const int fd = connect_tcp(ntohs(addr.sin_port));
  EXPECT_GE(fd, 0) << "the listener was not bound by the second reload";
  if (fd >= 0) ::close(fd);
}

// The web configuration file re-read at SIGHUP: basic_auth_users turned on applies to the next
// connections.
TEST_F(Reload, SighupRereadsTheWebConfigurationAndTurnsOnBasicAuth) {
  if (::system("command -v curl >/dev/null") != 0) GTEST_SKIP() << "curl not found";
  const std::string web = config_ / "web.yml";
  write_file(web, "http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
  std::unique_ptr<Process> daemon;
  const int port = start_counting_a(daemon, {"--web.config.file=" + web});
  ASSERT_NE(port, 0) << daemon->stderr_text();
  EXPECT_EQ(curl_status(port, ""), 200);

  write_file(web, std::string("basic_auth_users:\n  dave: ") + kDaveHash + "\n");
  hangup(*daemon, 1);
  EXPECT_TRUE(eventually([&] { return curl_status(port, "") == 401; }));
  EXPECT_EQ(curl_status(port, ""), 401);
  EXPECT_EQ(curl_status(port, "-u dave:wrong"), 401);
  EXPECT_EQ(curl_status(port, "-u dave:dave123"), 200);
  const auto r = http(port, "GET", "/metrics");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->header("www-authenticate"), "");
}

// log.level: debug applied by a reload: the reload's own debug line is written.
TEST_F(Reload, SighupAppliesTheLogLevel) {
  write_config(std::string(kSourceA) + kPolling + "log: {level: info}\n");
  auto daemon = start();
  ASSERT_NE(daemon->port(), 0) << daemon->stderr_text();
  hangup(*daemon, 1);
  EXPECT_EQ(daemon->stderr_text().find("level=debug"), std::string::npos);

  write_config(std::string(kSourceA) + kPolling + "log: {level: debug}\n");
  hangup(*daemon, 2);
  EXPECT_TRUE(daemon->wait_stderr("level=debug msg=\"reload: 1 sources")) << daemon->stderr_text();
}

}  // namespace
