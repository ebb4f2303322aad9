// What an operator trips over at start, end to end on the real binary: a glob that matches
// nothing, a folder given where a glob is meant, a --source.from-beginning that a state file
// overrides, and the first sight of a T-Server. Each mistake is one line, said once.
#include "e2e_support.h"
#include "log_text.h"

namespace {

using namespace tse::e2e;

class Operator : public ::testing::Test {
 protected:
  std::vector<std::string> daemon_args(const std::vector<std::string>& extra) const {
    return daemon_flags(state_.path(), extra);
  }
  // How many lines of `text` contain `needle`.
  static std::size_t lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (const auto& line : split_lines(text)) n += line.find(needle) != std::string::npos;
    return n;
  }

  TempDir logs_;
  TempDir proc_;
  TempDir state_;
  TempDir config_;
};

// --once reads what is there: a glob that matches nothing (a typo, the wrong folder) exits 1
// with one line naming it, and prints no metrics, even when another glob matches. Before, it
// printed every counter at 0 and exited 0, which looks like a quiet day.
TEST_F(Operator, OnceWithAGlobThatMatchesNothingExits1NamingIt) {
  write_file(logs_ / "TS_A.20251217_100000_000.log",
             header("TS_A", "TS_A.20251217_100000_000.log") + shape_a(57, "0000000000000100"));
  const std::string typo = logs_ / "TS_B.*.log";
  const RunResult r = run(
      {"--once", "--source.file=" + logs_ / "TS_A.*.log", "--source.file=" + typo}, proc_.path());
  ASSERT_FALSE(r.timed_out);
  EXPECT_TRUE(r.status.exited && r.status.code == 1) << r.status;
  EXPECT_EQ(r.err, "tserver_exporter: error: --once: no file matches \"" + typo + "\"\n");
  EXPECT_EQ(r.out, "");

  // The same glob once its file is there: exit 0 and the count.
  write_file(logs_ / "TS_B.20251217_100000_000.log",
             header("TS_B", "TS_B.20251217_100000_000.log") + shape_a(236, "0000000000000101"));
  const RunResult ok = run({"--once", "--source.file=" + typo}, proc_.path());
  EXPECT_TRUE(ok.status.exited && ok.status.code == 0) << ok.status << ok.err;
  EXPECT_TRUE(HasLine(ok.out, errors_line("TS_B", "236", "Timeout performing operation", 1)));
}

// The daemon waits for a glob that matches nothing (the T-Server may not have written yet):
// one line at start, not one a poll, and the file that appears is read from its first byte.
TEST_F(Operator, TheDaemonSaysOnceThatAGlobMatchesNothingAndReadsTheFileThatAppears) {
  const std::string glob = logs_ / "TS_W.*.log";
  Process daemon(daemon_args({"--source.file=" + glob}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0) << daemon.stderr_text();
  const std::string said = "no file matches " + glob + " yet; waiting for it";
  ASSERT_TRUE(daemon.wait_stderr(said));
  // Ten polls later, still one line.
  ASSERT_NE(scrape_until(port, {"tserver_exporter_globs_unmatched 1"}), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(lines_with(daemon.stderr_text(), said), 1u);
  EXPECT_EQ(lines_with(daemon.stderr_text(), "level=warn msg=\"" + said + "\""), 1u);

  write_file(logs_ / "TS_W.20251217_100000_000.log",
             header("TS_W", "TS_W.20251217_100000_000.log") + shape_a(57, "0000000000000100"));
  const std::string m = scrape_until(port, {errors_line("TS_W", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_W", "57", "TERR_TIMEOUT", 1)));
  EXPECT_EQ(lines_with(daemon.stderr_text(), said), 1u);
}

// A folder where a glob is meant matched only itself, which is never read: the daemon waited for
// ever with every counter at 0. Now a configuration error, with the glob meant: exit 2, one
// line, before anything is bound or the state directory made; from a flag, from the file, and
// under --config.check alike.
TEST_F(Operator, AFileSourceNamingAFolderExits2WithTheGlobItMeant) {
  const std::string state = state_ / "never";
  const std::string want_flag = "tserver_exporter: error: source file \"" + logs_.path() +
                                "/\" is a folder; to follow the logs in it, give \"" +
                                logs_.path() + "/*.log\"\n";
  const std::string file = config_ / "tserver_exporter.yml";
  write_file(file, "sources:\n  - file: " + logs_.path() + "\n    tserver: TS_F\n");
  const std::string want_file = "tserver_exporter: error: " + file + ":2:11: source file \"" +
                                logs_.path() + "\" is a folder; to follow the logs in it, give \"" +
                                logs_.path() + "/*.log\"\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--source.file=" + logs_.path() + "/"}, want_flag},
      {{"--source.file=" + logs_.path() + "/", "--config.check"}, want_flag},
      {{"--source.file=" + logs_.path() + "/", "--once"}, want_flag},
      {{"--config.file=" + file}, want_file},
      {{"--config.file=" + file, "--config.check"}, want_file},
  };
  for (const auto& [flags, want] : cases) {
    std::vector<std::string> args = flags;
    args.push_back("--web.listen-address=127.0.0.1:0");
    args.push_back("--storage.path=" + state);
    const RunResult r = run(args, proc_.path());
    ASSERT_FALSE(r.timed_out) << flags.back();
    EXPECT_TRUE(r.status.exited && r.status.code == 2) << flags.back() << ": " << r.status;
    EXPECT_EQ(r.err, want) << flags.back();
    EXPECT_EQ(r.out, "") << flags.back();
    EXPECT_FALSE(fs::exists(state)) << flags.back() << ": the state directory was created";
  }
}

// --source.from-beginning decides how the first start reads. After it, a log with a position in
// the state file goes on from there (else a restart would count it again): the flag looks
// ignored, so the restart says so once, naming the state file and how to read again.
TEST_F(Operator, AFromBeginningThatTheStateFileOverridesIsLoggedOnce) {
  const std::string segment = logs_ / "TS_R.20251217_100000_000.log";
  write_file(segment,
             header("TS_R", "TS_R.20251217_100000_000.log") + shape_a(57, "0000000000000100"));
  const std::vector<std::string> flags{"--source.file=" + logs_ / "*.log",
                                       "--source.from-beginning"};
  const std::string said = "--source.from-beginning: the state file";
  {
    Process first(daemon_args(flags), proc_.path());
    const int port = first.port();
    ASSERT_NE(port, 0) << first.stderr_text();
    const std::string m = scrape_until(port, {errors_line("TS_R", "57", "TERR_TIMEOUT", 1)});
    ASSERT_TRUE(HasLine(m, errors_line("TS_R", "57", "TERR_TIMEOUT", 1)));
    EXPECT_EQ(lines_with(first.stderr_text(), said), 0u) << "no state file yet: nothing to say";
    ASSERT_TRUE(first.stop(SIGTERM).exited);
  }
  append_file(segment, shape_a(57, "0000000000000101"));
  Process second(daemon_args(flags), proc_.path());
  const int port = second.port();
  ASSERT_NE(port, 0) << second.stderr_text();
  const std::string m = scrape_until(port, {errors_line("TS_R", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_R", "57", "TERR_TIMEOUT", 2)));  // not 3
  const std::string state_file = state_ / "tserver_exporter.state";
  EXPECT_EQ(lines_with(second.stderr_text(),
                       "level=info msg=\"--source.from-beginning: the state file " + state_file +
                           " holds a position for 1 logs: they go on from there, not from "
                           "their first byte; to read them again, stop the exporter and delete " +
                           state_file + "*, or use a new --storage.path\""),
            1u)
      << second.stderr_text();
  EXPECT_EQ(lines_with(second.stderr_text(), said), 1u);
}

// The first sight of a T-Server is one info line, whatever its source: a segment that appears
// in a followed folder, a stream on a network source. Its later segments say nothing more, and
// neither does a restart (the state file knows it).
TEST_F(Operator, ANewTServerIsLoggedOnceWhenItIsFirstSeen) {
  const std::vector<std::string> flags{"--source.file=" + logs_ / "*.log"};
  const std::string said = "level=info msg=\"new T-Server \\\"TS_NEW\\\": its series start at 0\"";
  {
    Process daemon(daemon_args(flags), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0) << daemon.stderr_text();
    ASSERT_NE(scrape_until(port, {"tserver_exporter_globs_unmatched 1"}), "");
    EXPECT_EQ(lines_with(daemon.stderr_text(), "new T-Server"), 0u);
    write_file(
        logs_ / "TS_NEW.20251217_100000_000.log",
        header("TS_NEW", "TS_NEW.20251217_100000_000.log") + shape_a(57, "0000000000000100"));
    ASSERT_TRUE(daemon.wait_stderr(said));
    write_file(
        logs_ / "TS_NEW.20251217_110000_000.log",
        header("TS_NEW", "TS_NEW.20251217_110000_000.log") + shape_a(57, "0000000000000101"));
    const std::string m = scrape_until(port, {errors_line("TS_NEW", "57", "TERR_TIMEOUT", 2)});
    EXPECT_TRUE(HasLine(m, errors_line("TS_NEW", "57", "TERR_TIMEOUT", 2)));
    EXPECT_EQ(lines_with(daemon.stderr_text(), "new T-Server"), 1u);
    EXPECT_EQ(lines_with(daemon.stderr_text(), said), 1u);
    ASSERT_TRUE(daemon.stop(SIGTERM).exited);
  }
  Process again(daemon_args(flags), proc_.path());
  const int port = again.port();
  ASSERT_NE(port, 0) << again.stderr_text();
  append_file(logs_ / "TS_NEW.20251217_110000_000.log", shape_a(57, "0000000000000102"));
  const std::string m = scrape_until(port, {errors_line("TS_NEW", "57", "TERR_TIMEOUT", 3)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_NEW", "57", "TERR_TIMEOUT", 3)));
  EXPECT_EQ(lines_with(again.stderr_text(), "new T-Server"), 0u) << again.stderr_text();
}

// A stream on a network source names its T-Server by its header: the same one line.
TEST_F(Operator, ANewTServerOnANetworkSourceIsLoggedOnce) {
  Process daemon(daemon_args({"--source.tcp=127.0.0.1:0"}), proc_.path());
  const int http_port = daemon.port();
  ASSERT_NE(http_port, 0) << daemon.stderr_text();
  const std::string needle = "on 127.0.0.1:0, port ";
  ASSERT_TRUE(daemon.wait_stderr(needle));
  const std::string err = daemon.stderr_text();
  const int port = std::atoi(err.c_str() + err.find(needle) + needle.size());
  for (const char* seq : {"0000000000000100", "0000000000000101"}) {
    const int fd = connect_tcp(port);
    ASSERT_GE(fd, 0);
    write_all(fd, header("TS_NET", "x.log") + shape_a(57, seq));
    ::close(fd);
  }
  const std::string m = scrape_until(http_port, {errors_line("TS_NET", "57", "TERR_TIMEOUT", 2)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_NET", "57", "TERR_TIMEOUT", 2)));
  EXPECT_EQ(lines_with(daemon.stderr_text(),
                       "level=info msg=\"new T-Server \\\"TS_NET\\\": its series start at 0\""),
            1u)
      << daemon.stderr_text();
}

}  // namespace
