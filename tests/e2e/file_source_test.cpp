// End-to-end tests of the file source's hardening: the real binary over real files, under a
// real descriptor limit. Each waits on what the exporter shows, never on a bare sleep.
#include "e2e_support.h"
#include "log_text.h"

namespace {

using namespace tse::e2e;

class FileSource : public ::testing::Test {
 protected:
  std::vector<std::string> daemon_args(const std::vector<std::string>& extra,
                                       const std::string& state) const {
    std::vector<std::string> args{"--web.listen-address=127.0.0.1:0", "--source.poll-interval=50ms",
                                  "--storage.path=" + state};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::string seq(int n) const {
    char text[20];
    std::snprintf(text, sizeof text, "%016x", n);
    return text;
  }

  TempDir logs_;
  TempDir proc_;
  TempDir state_;
};

// One NUL byte early in a segment (a masked value, a damaged sector) costs none of its
// EventErrors; a gzip file in the same glob is still skipped as binary.
TEST_F(FileSource, OneNulByteDoesNotCostTheSegmentsEventErrors) {
  std::string log = header("TS_N", "TS_N.20251217_100000_000.log");
  log.replace(log.find("SFBTS01"), 7, std::string("SFB\0S01", 7));
  for (int i = 0; i < 1001; ++i) log += shape_a(57, seq(0x1000 + i));
  write_file(logs_ / "TS_N.20251217_100000_000.log", log);
  write_file(logs_ / "TS_G.20251217_100000_000.log",
             std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + shape_a(57, seq(1)));
  const RunResult r = run({"--once", "--source.file=" + logs_ / "*.log"}, proc_.path());
  ASSERT_FALSE(r.timed_out);
  EXPECT_TRUE(HasLine(r.out, errors_line("TS_N", "57", "TERR_TIMEOUT", 1001)));
  EXPECT_TRUE(HasLine(r.out, "tserver_exporter_file_errors_total{reason=\"binary\"} 1"));
}

// A record left open in a segment while 20 more segments begin: the position saved is that
// record's, so a clean restart counts nothing twice. The oracle is a daemon never restarted.
TEST_F(FileSource, APositionManySegmentsBackSurvivesARestart) {
  const std::string glob = logs_ / "TS_P.*.log";
  const auto name = [&](int i) {
    char text[64];
    std::snprintf(text, sizeof text, "/TS_P.20251217_%02d0000_000.log", i);
    return logs_.path() + text;
  };
  const std::vector<std::string> flags{"--source.file=" + glob, "--source.idle-flush=1h"};
  {
    Process daemon(daemon_args(flags, state_.path()), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    // Polled once before the files appear: they are new, read from their first byte.
    ASSERT_NE(scrape_until(port, {"tserver_exporter_globs_unmatched 1"}), "");
    std::string seg0 = header("TS_P", "TS_P.log");
    for (int i = 0; i < 10; ++i) seg0 += shape_a(57, seq(0x100 + i));
    std::string open_dump = shape_a(57, seq(0x200));
    seg0 += open_dump.substr(0, open_dump.find(kTrailer));  // its trailer never comes
    write_file(name(0), seg0);
    for (int i = 1; i <= 20; ++i) write_file(name(i), header("TS_P", "TS_P.log"));
    ASSERT_TRUE(HasLine(scrape_until(port, {errors_line("TS_P", "57", "TERR_TIMEOUT", 10),
                                            "tserver_exporter_rotations_total 20"}),
                        "tserver_exporter_rotations_total 20"));
    EXPECT_EQ(daemon.stop(SIGTERM).code, 0);
  }
  append_file(name(20), shape_a(236, seq(0x300)));
  Process daemon(daemon_args(flags, state_.path()), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m =
      scrape_until(port, {errors_line("TS_P", "236", "Timeout performing operation", 1)});
  ASSERT_TRUE(HasLine(m, errors_line("TS_P", "236", "Timeout performing operation", 1)));

  TempDir oracle_state;
  Process oracle(
      daemon_args({"--source.file=" + glob, "--source.idle-flush=1h", "--source.from-beginning"},
                  oracle_state.path()),
      proc_.path());
  const int oracle_port = oracle.port();
  ASSERT_NE(oracle_port, 0);
  const std::string want =
      scrape_until(oracle_port, {errors_line("TS_P", "236", "Timeout performing operation", 1)});
  const auto oracle_57 = value_of(want,
                                  "tserver_event_errors_total{error_code=\"57\",error_name="
                                  "\"TERR_TIMEOUT\",tserver=\"TS_P\"}");
  ASSERT_TRUE(oracle_57.has_value());
  EXPECT_TRUE(HasLine(m, errors_line("TS_P", "57", "TERR_TIMEOUT", std::stoi(*oracle_57))));
}

// 600 followed files under a limit of 256 descriptors: every file is read in turn, every
// EventError counted, /metrics answers, and no file is taken for gone.
TEST_F(FileSource, SixHundredFilesUnderALimitOf256DescriptorsAreAllCounted) {
  constexpr int kFiles = 600;
  const auto name = [&](int i) {
    char text[64];
    std::snprintf(text, sizeof text, "/TS_F%04d.20251217_100000_000.log", i);
    return logs_.path() + text;
  };
  for (int i = 0; i < kFiles; ++i) write_file(name(i), header("TS_F", "TS_F.log"));
  Process daemon(
      daemon_args({"--source.file=" + logs_ / "*.log", "--source.idle-flush=200ms"}, state_.path()),
      proc_.path(), -1, {"/bin/bash", "-c", "ulimit -n 256 && exec \"$0\" \"$@\""});
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  ASSERT_NE(scrape_until(port, {errors_line("TS_F", "57", "TERR_TIMEOUT", 0)}), "");
  std::size_t bytes = 0;
  for (int i = 0; i < kFiles; ++i) {
    const std::string errors = shape_a(57, seq(2 * i)) + shape_a(57, seq(2 * i + 1));
    append_file(name(i), errors);
    bytes += errors.size();
  }
  const std::string m = scrape_until(port, {bytes_read_line(bytes)});
  EXPECT_TRUE(HasLine(m, bytes_read_line(bytes)));
  EXPECT_TRUE(HasLine(scrape_until(port, {errors_line("TS_F", "57", "TERR_TIMEOUT", 2 * kFiles)}),
                      errors_line("TS_F", "57", "TERR_TIMEOUT", 2 * kFiles)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_files_vanished_total 0"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_file_errors_total{reason=\"open\"} 0"));
}

}  // namespace
