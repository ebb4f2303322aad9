// The soak test (tests/e2e/soak.sh runs it; not in CI): an hour, by default, of the torture
// test's load: two T-Servers' logs written and rotated both ways, the daemon killed with SIGKILL
// and restarted every one to two minutes, a scraper checking every value it sees, plus a UDP
// syslog flood in bursts from many senders. The daemon's resident memory and open descriptors
// are sampled every 10 s. Pass: the counts of both logs exact at the end, no scraped counter
// ever down or ahead of the state file, and memory and descriptors flat (the last third of the
// run no higher than the middle third, with a small allowance).
//
// TSE_SOAK_SECONDS sets the length (3600), TSE_SOAK_RATE the EventErrors a second each log
// gets (500; 0: as fast as the writer goes, a rotation every few hundred milliseconds), and
// TSE_SOAK_UDP=0 leaves the UDP flood out.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "rotating_logs.h"

namespace {

using namespace tse::e2e;

struct Sample {
  double at_s;
  long rss_kib;
  long fds;
};

// VmRSS of a process, in KiB; -1 when it cannot be read (the process is being restarted).
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

long open_fds(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

// A free UDP port on 127.0.0.1 (bound, read, released: the daemon binds it next).
int free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Sends bursts of RFC 3164 messages (T-Server records, some EventErrors) from 64 sockets, i.e.
// 64 origins, under 4 app-names: 20,000 messages in each burst, a burst every 10 s.
void udp_flood(int port, const std::atomic<bool>& done, std::atomic<long>& sent) {
  std::vector<int> sockets;
  for (int i = 0; i < 64; ++i) sockets.push_back(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::mt19937 random(7);
  while (!done) {
    for (int i = 0; i < 20'000 && !done; ++i) {
      const std::string app = "TS_UDP_" + std::to_string(random() % 4);
      const std::string body =
          i % 50 == 0 ? "11:00:00.000 Trc 04542 EventError sent to [724] (0000002a WDE_01 "
                        "10.1.2.3:51234)"
                      : "11:00:00.000 Trc 04542 EventDialing sent to [724] (0000002a WDE_01 "
                        "10.1.2.3:51234)";
      const std::string message = "<14>Dec 17 11:00:00 sfbts01 " + app + ": " + body;
      ::sendto(sockets[random() % sockets.size()], message.data(), message.size(), 0,
               reinterpret_cast<const sockaddr*>(&to), sizeof to);
      ++sent;
    }
    for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(100ms);
  }
  for (int fd : sockets) ::close(fd);
}

// The highest value of the samples taken in [from, to) seconds.
long highest(const std::vector<Sample>& samples, double from, double to, long Sample::*field) {
  long top = 0;
  for (const auto& s : samples) {
    if (s.at_s >= from && s.at_s < to) top = std::max(top, s.*field);
  }
  return top;
}

TEST(Soak, AnHourOfRotationsRestartsScrapesAndAUdpFlood) {
  const char* env = std::getenv("TSE_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 3600;
  ASSERT_GE(seconds, 60) << "TSE_SOAK_SECONDS must be at least 60";
  TempDir logs, state, proc;
  const int udp_port = free_udp_port();
  const std::vector<std::string> args{
      "--web.listen-address=127.0.0.1:0", "--source.file=" + logs.path() + "/*.log",
      "--source.syslog=udp://127.0.0.1:" + std::to_string(udp_port),
      "--storage.path=" + state.path(), "--source.poll-interval=50ms"};

  ScrapeChecker checker(state.path());
  std::atomic<int> port{0};
  std::atomic<pid_t> pid{0};
  std::atomic<bool> done{false};
  std::atomic<long> udp_sent{0};
  std::mutex samples_mutex;
  std::vector<Sample> samples;
  const auto started = std::chrono::steady_clock::now();
  struct StopThreads {
    std::atomic<bool>& done;
    ~StopThreads() { done = true; }
  } stop_threads{done};
  std::jthread scraper([&] {
    while (!done) {
      if (const int p = port.load()) checker.record(scrape(p));
      std::this_thread::sleep_for(200ms);
    }
  });
  std::jthread sampler([&] {
    while (!done) {
      for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(100ms);
      const pid_t p = pid.load();
      const long rss = p != 0 ? rss_kib(p) : -1;
      const long fds = p != 0 ? open_fds(p) : -1;
      if (rss < 0 || fds < 0) continue;
      const double at =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::lock_guard lock(samples_mutex);
      samples.push_back({at, rss, fds});
    }
  });

  auto daemon = std::make_unique<Process>(args, proc.path());
  port = daemon->port();
  pid = daemon->pid();
  ASSERT_NE(port.load(), 0);
  const char* flood_env = std::getenv("TSE_SOAK_UDP");
  std::jthread flood([&] {
    if (flood_env == nullptr || std::string(flood_env) != "0") udp_flood(udp_port, done, udp_sent);
  });
  // 500 EventErrors a second each (about 350 KB/s, a segment every 1.6 s), for the whole run.
  const char* rate_env = std::getenv("TSE_SOAK_RATE");
  const int rate = rate_env != nullptr ? std::atoi(rate_env) : 500;
  const int events = seconds * (rate > 0 ? rate : 500);
  LogWriter a(logs.path(), "TS_SEGMENTS", LogWriter::Rotation::kGenesysSegments, 1);
  LogWriter b(logs.path(), "TS_RENAMED", LogWriter::Rotation::kRenameAndCreate, 2);
  std::atomic<int> writers{2};
  std::jthread writer_a([&] {
    a.run(events, rate);
    --writers;
  });
  std::jthread writer_b([&] {
    b.run(events, rate);
    --writers;
  });

  std::mt19937 random(3);
  int restarts = 0;
  while (writers > 0) {
    const auto next = std::chrono::steady_clock::now() + std::chrono::seconds(60 + random() % 60);
    while (writers > 0 && std::chrono::steady_clock::now() < next) std::this_thread::sleep_for(1s);
    if (writers == 0) break;
    port = 0;
    pid = 0;
    daemon->stop(SIGKILL);
    daemon = std::make_unique<Process>(args, proc.path());
    port = daemon->port();
    pid = daemon->pid();
    ASSERT_NE(port.load(), 0) << "restart " << restarts + 1 << " did not come up";
    ++restarts;
  }
  writer_a.join();
  writer_b.join();

  long total = 0;
  const std::vector<std::string> want =
      final_lines({{&a, "TS_SEGMENTS"}, {&b, "TS_RENAMED"}}, total);
  const std::string final_exposition = scrape_until(port, want, "/metrics");
  checker.record(final_exposition);
  done = true;
  scraper.join();
  sampler.join();
  flood.join();

  for (const auto& line : want) EXPECT_TRUE(HasLine(final_exposition, line));
  if (::testing::Test::HasFailure()) {
    for (const auto& line : split_lines(final_exposition)) {
      if (line.starts_with("tserver_exporter_") &&
          !line.starts_with("tserver_exporter_state_write_duration_seconds_bucket"))
        std::cout << line << "\n";
    }
  }
  long counted = 0;
  for (const auto& [series, value] : error_series(final_exposition)) {
    if (series.find("tserver=\"TS_UDP_") == std::string::npos) counted += value;
  }
  EXPECT_EQ(counted, total) << "a series beyond the written codes was counted";
  const long scrapes = checker.expect_consistent();

  std::lock_guard lock(samples_mutex);
  ASSERT_GE(samples.size(), 6u);
  const double end = samples.back().at_s;
  std::cout << "soak: " << seconds << " s, " << total << " EventErrors in the files, " << restarts
            << " SIGKILL restarts, " << scrapes << " scrapes, " << udp_sent
            << " UDP messages sent\n";
  std::cout << "  minute   RSS (KiB)   open fds   (highest in each minute)\n";
  for (int minute = 0; minute * 60.0 < end; ++minute) {
    std::cout << "  " << minute << "\t "
              << highest(samples, minute * 60.0, minute * 60.0 + 60, &Sample::rss_kib) << "\t     "
              << highest(samples, minute * 60.0, minute * 60.0 + 60, &Sample::fds) << "\n";
  }
  for (auto field : {&Sample::rss_kib, &Sample::fds}) {
    const long middle = highest(samples, end / 3, 2 * end / 3, field);
    const long last = highest(samples, 2 * end / 3, end + 1, field);
    EXPECT_LE(last, middle + middle / 5 + (field == &Sample::rss_kib ? 4096 : 4))
        << (field == &Sample::rss_kib ? "RSS" : "open descriptors") << " grew: " << middle
        << " in the middle third, " << last << " in the last";
  }
  std::cout << "  received by the last run of the daemon: "
            << value_of(final_exposition,
                        "tserver_exporter_listener_messages_total{listener=\"udp://127.0.0.1:" +
                            std::to_string(udp_port) + "\"}")
                   .value_or("?")
            << " UDP messages\n";
}

}  // namespace
