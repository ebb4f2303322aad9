// The never-lose, never-double-count torture test: a writer appends tens of thousands of known
// EventErrors to two T-Servers' logs, one rotating Genesys-style (a new segment file, old ones
// deleted) and one by rename-and-create, while the real daemon is killed with SIGKILL and
// restarted again and again; a scraper records every value it sees. Pass: no scraped counter
// ever goes down, and once the writer is done the counters equal what was written, exactly,
// for every code.
#include <atomic>
#include <random>

#include "rotating_logs.h"

namespace {

using namespace tse::e2e;

constexpr int kEventsPerTServer = 10'000;  // 13 segments each: 26 in all
constexpr int kRestarts = 4;

TEST(Torture, KilledAndRestartedWhileLogsRotateNothingIsLostOrCountedTwice) {
  TempDir logs, state, proc;
  const std::vector<std::string> args{
      "--web.listen-address=127.0.0.1:0", "--source.file=" + logs.path() + "/*.log",
      "--storage.path=" + state.path(), "--source.poll-interval=20ms",
      "--storage.write-interval=100ms"};

  ScrapeChecker checker(state.path());
  std::atomic<int> port{0};
  std::atomic<bool> done{false};
  std::jthread scraper([&] {
    while (!done) {
      if (const int p = port.load()) checker.record(scrape(p));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  LogWriter a(logs.path(), "TS_SEGMENTS", LogWriter::Rotation::kGenesysSegments, 1);
  LogWriter b(logs.path(), "TS_RENAMED", LogWriter::Rotation::kRenameAndCreate, 2);
  // Stops the scraper on every way out of the test, a failed ASSERT included.
  struct StopScraper {
    std::atomic<bool>& done;
    ~StopScraper() { done = true; }
  } stop_scraper{done};
  auto daemon = std::make_unique<Process>(args, proc.path());
  port = daemon->port();
  ASSERT_NE(port.load(), 0);
  std::jthread writer_a([&] { a.run(kEventsPerTServer); });
  std::jthread writer_b([&] { b.run(kEventsPerTServer); });

  std::mt19937 random(3);
  for (int i = 0; i < kRestarts; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000 + random() % 2500));
    port = 0;
    daemon->stop(SIGKILL);
    daemon = std::make_unique<Process>(args, proc.path());
    port = daemon->port();
    ASSERT_NE(port.load(), 0) << "restart " << i + 1 << " did not come up";
  }
  writer_a.join();
  writer_b.join();

  long total = 0;
  const std::vector<std::string> want =
      final_lines({{&a, "TS_SEGMENTS"}, {&b, "TS_RENAMED"}}, total);
  EXPECT_EQ(total, 2L * kEventsPerTServer);
  const std::string final_exposition = scrape_until(port, want, "/metrics");
  checker.record(final_exposition);
  done = true;
  scraper.join();

  for (const auto& line : want) EXPECT_TRUE(HasLine(final_exposition, line));
  long counted = 0;
  for (const auto& [series, value] : error_series(final_exposition)) counted += value;
  EXPECT_EQ(counted, total) << "a series beyond the written codes was counted";
  const long scrapes = checker.expect_consistent();
  EXPECT_GT(scrapes, 100);
  std::cout << "torture: " << total << " EventErrors, " << kRestarts << " SIGKILL restarts, "
            << scrapes << " scrapes, no decrease\n";
}

}  // namespace
