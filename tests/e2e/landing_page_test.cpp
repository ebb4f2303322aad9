// The landing page `/` of the real binary: what it counted from a real file and a real UDP
// sender, with a T-Server name, a file name and a syslog hostname an attacker chose (`<script>`,
// `&`, a byte that is not UTF-8), all escaped.
#include "e2e_support.h"
#include "log_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace {

using namespace tse::e2e;

int listener_port(Process& daemon, const std::string& spec) {
  const std::string needle = "on " + spec + ", port ";
  if (!daemon.wait_stderr(needle)) return 0;
  const std::string err = daemon.stderr_text();
  return std::atoi(err.c_str() + err.find(needle) + needle.size());
}

// True when `s` is valid UTF-8 (the page must be, whatever the logs hold).
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80                 ? 1
                          : c >= 0xC2 && c <= 0xDF ? 2
                          : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xF0 && c <= 0xF4 ? 4
                                                   : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(LandingPage, ShowsTheTServersCodesFilesAndOriginsEscaped) {
  TempDir logs, proc, state;
  const std::string file_name = "TS_<b>&\xff.20251217_100000_000.log";
  const std::string seg = logs / file_name;
  const std::string content = header("TS_<script>&\xff", file_name) +
                              shape_a(57, "0000000000000101") + shape_a(57, "0000000000000102") +
                              shape_a(57, "0000000000000103") + shape_a(1707, "0000000000000104") +
                              check_point();
  write_file(seg, content);

  Process daemon({"--web.listen-address=127.0.0.1:0", "--source.poll-interval=50ms",
                  "--storage.path=" + state.path(), "--source.from-beginning",
                  "--source.file=" + logs.path() + "/*.log", "--source.syslog=udp://127.0.0.1:0"},
                 proc.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const int udp = listener_port(daemon, "udp://127.0.0.1:0");
  ASSERT_NE(udp, 0);

  // One syslog message from a sender whose hostname is markup.
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  socklen_t length = sizeof from;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&from), &length);
  const std::string line = "10:15:24.807 nothing to count";
  const std::string message = "<13>1 - <i>&host TS_NET - - - " + line;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(udp));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(
      ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
      static_cast<ssize_t>(message.size()));
  ::close(fd);

  const std::string m = scrape_until(
      port, {bytes_read_line(content.size() + line.size() + 1),  // the file and the message
             "tserver_exporter_listener_messages_total{listener=\"udp://127.0.0.1:0\"} 1"});
  ASSERT_TRUE(HasLine(m, bytes_read_line(content.size() + line.size() + 1)));
  ASSERT_TRUE(HasLine(m, errors_line("TS_<script>&_", "57", "TERR_TIMEOUT", 3)));

  const auto r = http(port, "GET", "/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
  const std::string& page = r->body;
  EXPECT_NE(page.find("<a href=\"/metrics\">/metrics</a>"), std::string::npos) << page;
  EXPECT_NE(page.find("<h3>TS_&lt;script&gt;&amp;_</h3>\n<p>4 EventErrors; last EventError: 20"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("<tr><td>57</td><td>TERR_TIMEOUT</td><td>Switch or T-Server did not "
                      "respond in time.</td><td class=\"n\">3</td></tr>\n"
                      "<tr><td>1707</td><td>TERR_SOFT_AGENT_NOT_LOGGED_IN</td>"),
            std::string::npos)
      << page;
  // The file's row: its path escaped, every byte read (digits grouped by commas), no backlog.
  const std::string row = "<tr><td>" + logs.path() +
                          "/TS_&lt;b&gt;&amp;\xEF\xBF\xBD.20251217_100000_000.log</td><td "
                          "class=\"n\">";
  const std::size_t at = page.find(row);
  ASSERT_NE(at, std::string::npos) << page;
  const std::size_t cell = at + row.size();
  std::string read = page.substr(cell, page.find('<', cell) - cell);
  std::erase(read, ',');
  EXPECT_EQ(read, std::to_string(content.size()));
  EXPECT_TRUE(page.substr(page.find('<', cell)).starts_with("</td><td class=\"n\">0</td></tr>"));
  EXPECT_NE(page.find("<h3>udp://127.0.0.1:0</h3>\n<p>1 origin now.</p>"), std::string::npos)
      << page;
  EXPECT_NE(page.find("<tr><td>127.0.0.1:" + std::to_string(ntohs(from.sin_port)) +
                      " host &lt;i&gt;&amp;host app TS_NET</td>"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_TRUE(valid_utf8(page));

  const auto head = http(port, "HEAD", "/");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");

  const ExitStatus s = daemon.stop();
  EXPECT_TRUE(s.exited && s.code == 0) << s;
}

}  // namespace
