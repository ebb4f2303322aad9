// Network sources end to end: the real binary receiving T-Server lines from util-linux
// `logger` (RFC 5424 and 3164, UDP and TCP, with and without octet counting) and over raw TCP,
// with exact counts scraped over HTTP; and clients that misbehave.
#include <netinet/in.h>
#include <sys/socket.h>

#include "e2e_support.h"

namespace {

using namespace tse::e2e;

// The lines of a small T-Server log without a header block: two 57s and one 236.
std::string t_server_lines(const std::string& seq_prefix) {
  return "@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n"
         "\tAttributeEventSequenceNumber\t" + seq_prefix + "01\n"
         "\tAttributeErrorCode\t57\n"
         "\tAttributeUserData\t[40] 00 02 00 00..\n"
         "\t\t'ErrorCode'\t236\n"
         "2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)\n"
         "2025-12-17T10:15:25.000 Trc 04542 EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)\n"
         "message EventError\n"
         "\tAttributeEventSequenceNumber\t" + seq_prefix + "02\n"
         "\tAttributeErrorCode\t236\n"
         "@10:15:26.0000 [0] 8.5.001.23 send_to_client: message EventError\n"
         "\tAttributeEventSequenceNumber\t" + seq_prefix + "03\n"
         "\tAttributeErrorCode\t57\n"
         "2025-12-17T10:15:26.000 Trc 04542 EventError sent to [724] (0000002a WDE_01 1.2.3.4:5)\n"
         "2025-12-17T10:15:27.000 Std 04120 Check point 2025-12-17T10:15:27\n";
}

std::string errors(const std::string& tserver, const std::string& code, const std::string& name,
                   int n) {
  return "tserver_event_errors_total{error_code=\"" + code + "\",error_name=\"" + name +
         "\",tserver=\"" + tserver + "\"} " + std::to_string(n);
}

// The port a listener bound, from the daemon's "receiving ... on SPEC, port N" line.
int listener_port(Process& daemon, const std::string& spec) {
  const std::string needle = "on " + spec + ", port ";
  if (!daemon.wait_stderr(needle)) return 0;
  const std::string err = daemon.stderr_text();
  return std::atoi(err.c_str() + err.find(needle) + needle.size());
}

int connect_tcp(int port) {
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

class Listeners : public ::testing::Test {
 protected:
  TempDir proc_, state_, data_;
};

TEST_F(Listeners, LoggerOverUdpAndTcpInEveryFormat) {
  Process daemon({"--web.listen-address=127.0.0.1:0", "--storage.path=" + state_.path(),
                  "--source.syslog=udp://127.0.0.1:0", "--source.syslog=tcp://127.0.0.1:0"},
                 proc_.path());
  const int http_port = daemon.port();
  const int udp = listener_port(daemon, "udp://127.0.0.1:0");
  const int tcp = listener_port(daemon, "tcp://127.0.0.1:0");
  ASSERT_NE(http_port, 0);
  ASSERT_NE(udp, 0);
  ASSERT_NE(tcp, 0);
  const struct {
    const char* tag;
    std::vector<std::string> flags;
    int port;
  } senders[] = {{"TS_UDP_5424", {"--udp", "--rfc5424"}, udp},
                 {"TS_UDP_3164", {"--udp", "--rfc3164"}, udp},
                 {"TS_TCP_LF", {"--tcp", "--rfc5424"}, tcp},
                 {"TS_TCP_OCTETS", {"--tcp", "--rfc5424", "--octet-count"}, tcp},
                 {"TS_TCP_3164", {"--tcp", "--rfc3164", "--octet-count"}, tcp}};
  std::vector<std::string> want;
  int sent = 0;
  for (const auto& sender : senders) {
    const std::string lines = data_.path() + "/" + sender.tag + ".txt";
    write_file(lines, t_server_lines("00000000000000"));
    std::string command = "logger -n 127.0.0.1 -P " + std::to_string(sender.port) + " -t " +
                          sender.tag + " -f " + lines;
    for (const auto& flag : sender.flags) command += " " + flag;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    want.push_back(errors(sender.tag, "57", "TERR_TIMEOUT", 2));
    want.push_back(errors(sender.tag, "236", "Timeout performing operation", 1));
    ++sent;
  }
  const std::string m = scrape_until(http_port, want);
  for (const auto& line : want) EXPECT_TRUE(HasLine(m, line));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_listener_framing_errors_total{listener=\"udp://127.0.0.1:0\"} 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_listener_messages_total{listener=\"udp://127.0.0.1:0\"} 30"));
  EXPECT_EQ(sent, 5);
}

TEST_F(Listeners, TwoSendersInterleavingOnOneListenerStayApart) {
  Process daemon({"--web.listen-address=127.0.0.1:0", "--storage.path=" + state_.path(),
                  "--source.tcp=TS_RAW@127.0.0.1:0"},
                 proc_.path());
  const int http_port = daemon.port();
  const int port = listener_port(daemon, "TS_RAW@127.0.0.1:0");
  ASSERT_NE(port, 0);
  const int a = connect_tcp(port);
  const int b = connect_tcp(port);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // Line by line, alternately: each connection's dumps must be assembled on their own.
  const auto lines_a = split_lines(t_server_lines("000000000000aa"));
  const auto lines_b = split_lines(t_server_lines("000000000000bb"));
  for (std::size_t i = 0; i < lines_a.size(); ++i) {
    write_all(a, lines_a[i] + "\n");
    write_all(b, lines_b[i] + "\n");
  }
  ::close(a);
  ::close(b);
  const std::string want57 = errors("TS_RAW", "57", "TERR_TIMEOUT", 4);
  const std::string want236 = errors("TS_RAW", "236", "Timeout performing operation", 2);
  const std::string m = scrape_until(http_port, {want57, want236});
  EXPECT_TRUE(HasLine(m, want57));
  EXPECT_TRUE(HasLine(m, want236));
  EXPECT_TRUE(HasLine(m, errors("TS_RAW", "unknown", "UNKNOWN", 0)));
}

TEST_F(Listeners, BadClientsDoNotStopTheGoodOnes) {
  Process daemon({"--web.listen-address=127.0.0.1:0", "--storage.path=" + state_.path(),
                  "--source.syslog=tcp://127.0.0.1:0"},
                 proc_.path());
  const int http_port = daemon.port();
  const int port = listener_port(daemon, "tcp://127.0.0.1:0");
  ASSERT_NE(port, 0);
  const int silent = connect_tcp(port);  // a client that never sends
  ASSERT_GE(silent, 0);
  const int garbage = connect_tcp(port);
  write_all(garbage, "\x16\x03\x01 not syslog at all\n<13>truncated\n" + std::string(70000, 'x') +
                         "\n");
  const int bad_count = connect_tcp(port);
  write_all(bad_count, "12x <13>1 - h a - - - x");
  std::vector<int> many;
  for (int i = 0; i < 300; ++i) {
    const int fd = connect_tcp(port);
    if (fd >= 0) many.push_back(fd);
  }
  // A good sender, all the while.
  const std::string lines = data_.path() + "/good.txt";
  write_file(lines, t_server_lines("000000000000cc"));
  for (int fd : many) ::close(fd);
  ASSERT_EQ(std::system(("logger --tcp --octet-count --rfc5424 -n 127.0.0.1 -P " +
                         std::to_string(port) + " -t TS_GOOD -f " + lines)
                            .c_str()),
            0);
  const std::string want = errors("TS_GOOD", "57", "TERR_TIMEOUT", 2);
  const std::string m = scrape_until(http_port, {want});
  EXPECT_TRUE(HasLine(m, want));
  EXPECT_TRUE(HasLine(m, errors("TS_GOOD", "236", "Timeout performing operation", 1)));
  const auto errors_seen = value_of(m, "tserver_exporter_listener_framing_errors_total{listener=\"tcp://127.0.0.1:0\"}");
  ASSERT_TRUE(errors_seen);
  EXPECT_GE(std::stol(*errors_seen), 3);  // not syslog, oversize, bad octet count
  EXPECT_TRUE(daemon.running());
  ::close(silent);
  ::close(garbage);
  ::close(bad_count);
}

TEST_F(Listeners, TServersPastTheLimitAreDroppedAndCounted) {
  Process daemon({"--web.listen-address=127.0.0.1:0", "--storage.path=" + state_.path(),
                  "--source.syslog=udp://127.0.0.1:0", "--source.max-tservers=1"},
                 proc_.path());
  const int http_port = daemon.port();
  const int udp = listener_port(daemon, "udp://127.0.0.1:0");
  ASSERT_NE(udp, 0);
  const std::string lines = data_.path() + "/lines.txt";
  write_file(lines, t_server_lines("00000000000000"));
  for (const char* tag : {"TS_FIRST", "TS_SECOND"}) {
    ASSERT_EQ(std::system(("logger --udp --rfc5424 -n 127.0.0.1 -P " + std::to_string(udp) +
                           " -t " + tag + " -f " + lines)
                              .c_str()),
              0);
  }
  const std::string dropped =
      "tserver_exporter_listener_dropped_total{listener=\"udp://127.0.0.1:0\"} 15";
  const std::string m =
      scrape_until(http_port, {errors("TS_FIRST", "57", "TERR_TIMEOUT", 2), dropped});
  EXPECT_TRUE(HasLine(m, errors("TS_FIRST", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(m, dropped));
  EXPECT_EQ(m.find("tserver=\"TS_SECOND\""), std::string::npos);
  EXPECT_TRUE(daemon.wait_stderr("over 1 T-Servers on udp://127.0.0.1:0"));
}

}  // namespace
