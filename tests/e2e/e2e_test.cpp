// End-to-end tests: the real tserver_exporter binary as a child process, real log files in a
// fresh temp dir, real HTTP over TCP on 127.0.0.1. No mocks.
//
// Synchronisation is never a bare sleep: every wait is a bounded poll (10 s, every 20 ms) of
// something the exporter shows, mostly tserver_exporter_bytes_read_total reaching the exact
// number of bytes the test wrote, after which the counts are final and asserted line by line.
#include "e2e_support.h"
#include "log_text.h"

#include <sys/mount.h>

#include <cstdio>
#include <filesystem>
#include <set>

namespace {

using namespace tse::e2e;

class E2E : public ::testing::Test {
 protected:
  // A daemon on a free port, polling fast, with its state file in this test's own directory.
  std::vector<std::string> daemon_args(const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"--web.listen-address=127.0.0.1:0", "--source.poll-interval=50ms",
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
  const std::string appended = shape_a(57, "0000000000000101") + shape_a(57, "0000000000000102") +
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
  // Every state write is timed, and this scrape's counts were written before it was rendered.
  const auto writes = value_of(m, "tserver_exporter_state_writes_total");
  ASSERT_TRUE(writes);
  EXPECT_GE(std::stol(*writes), 1);
  EXPECT_EQ(value_of(m, "tserver_exporter_state_write_duration_seconds_count"), writes);

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
  const std::string b1_text = header("TS_SPLIT", "SfB_B.20251217_100000_000.log", "\r\n") +
                              "@10:15:25.0010 [0] 8.5.001.23 send_to_client: message EventError\r\n"
                              "\tAttributeEventSequenceNumber\t00000000000000b1\r\n"
                              "\tAttributeErrorCo";
  const std::string b2_text = header("TS_SPLIT", "SfB_B.20251217_101500_000.log", "\r\n") +
                              "de\t1703\r\n" + kTrailer + "\r\n" + check_point("\r\n");

  // TS_NOAPP: a header without `Application name`: the label is the file's base name.
  const std::string c1 = logs_ / "TS_NOAPP.20251217_100000_000.log";
  const std::string c1_text = header("", "TS_NOAPP.20251217_100000_000.log", "\r\n") +
                              shape_a(1140, "00000000000000c1", "\r\n") + check_point("\r\n");

  write_file(a1, a1_text);
  write_file(a2, a2_text);
  write_file(b1, b1_text);
  write_file(b2, b2_text);
  write_file(c1, c1_text);
  const std::size_t total =
      a1_text.size() + a2_text.size() + b1_text.size() + b2_text.size() + c1_text.size();

  Process daemon(
      daemon_args({"--source.file=" + logs_.path() + "/*.log", "--source.from-beginning"}),
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
  Process daemon(daemon_args({"--source.file=" + glob, "--source.from-beginning"}), proc_.path());
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

  const RunResult r =
      run({"--source.file=" + logs_.path() + "/*.log",
           "--web.listen-address=127.0.0.1:" + std::to_string(port), "--source.poll-interval=50ms"},
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

TEST_F(E2E, SighupReloadsSigtermAndSigintStopCleanly) {
  const std::string seg = logs_ / "TS_SIG.20251217_100000_000.log";
  write_file(seg, header("TS_SIG", "TS_SIG.20251217_100000_000.log"));

  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  // A served scrape means the event loop runs, so the signal handlers are installed.
  std::string m = scrape_until(port, {errors_line("TS_SIG", "57", "TERR_TIMEOUT", 0)});
  ASSERT_TRUE(HasLine(m, errors_line("TS_SIG", "57", "TERR_TIMEOUT", 0)));

  ASSERT_EQ(::kill(daemon.pid(), SIGHUP), 0);
  ASSERT_TRUE(daemon.wait_stderr("SIGHUP: reloading the configuration"));
  EXPECT_TRUE(daemon.running());

  // Still serving, and still following the file.
  const std::string more = shape_a(57, "0000000000000801") + check_point();
  append_file(seg, more);
  m = scrape_until(port,
                   {bytes_read_line(more.size()), errors_line("TS_SIG", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, bytes_read_line(more.size())));
  EXPECT_TRUE(HasLine(m, errors_line("TS_SIG", "57", "TERR_TIMEOUT", 1)));
  auto r = http(port, "GET", "/-/healthy");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(daemon.running());

  const ExitStatus term = daemon.stop(SIGTERM);
  EXPECT_TRUE(term.exited && term.code == 0) << term;
  EXPECT_NE(daemon.stderr_text().find("SIGTERM received; stopping"), std::string::npos);
  EXPECT_NE(daemon.stderr_text().find(" msg=stopped\n"), std::string::npos);
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
// Durable state

// A graceful restart resumes: counts carry over, the log is not read twice, and what was
// written while the daemon was down is counted once.
TEST_F(E2E, RestartResumesCountsAndPosition) {
  const std::string seg = logs_.path() + "/TS_R.20251217_100000_000.log";
  write_file(seg, header("TS_R", "TS_R.20251217_100000_000.log"));
  {
    Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    ASSERT_NE(scrape_until(port, {errors_line("TS_R", "57", "TERR_TIMEOUT", 0)}), "");
    append_file(seg, shape_a(57, "0000000000000101") + shape_a(57, "0000000000000102"));
    ASSERT_NE(scrape_until(port, {errors_line("TS_R", "57", "TERR_TIMEOUT", 2)}), "");
    EXPECT_TRUE(daemon.stop(SIGTERM).code == 0);
  }
  append_file(seg, shape_a(236, "0000000000000103"));  // while the daemon is down
  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m =
      scrape_until(port, {errors_line("TS_R", "236", "Timeout performing operation", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_R", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_R", "236", "Timeout performing operation", 1)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_load_failures_total 0"));
  // The two counts, and the T-Server's link_disconnected at 0 (kept so that it keeps its place
  // under --metrics.max-tservers).
  EXPECT_NE(daemon.stderr_text().find("restored 3 counters and 1 log positions"),
            std::string::npos);
}

// Issue 14: a request pending when the daemon stops is answered after the restart, and its
// answer time joins the histogram restored from the state file (never lost, never twice).
TEST_F(E2E, ARequestPendingAtARestartIsAnsweredAfterIt) {
  const std::string seg = logs_.path() + "/TS_P.20251217_100000_000.log";
  const auto request = [](const char* time, int reference) {
    return std::string("2025-12-17T") + time +
           " Trc 04541 RequestMakeCall received from [724] (0000002a WDE_01 10.1.2.3:51234)\n"
           "message RequestMakeCall\n"
           "\tAttributeReferenceID\t" +
           std::to_string(reference) + "\n";
  };
  const auto answer = [](const char* time, int reference) {  // an EventDialing, in shape B
    return std::string("2025-12-17T") + time +
           " Trc 04542 EventDialing sent to [724] (0000002a WDE_01 10.1.2.3:51234)\n"
           "message EventDialing\n"
           "\tAttributeReferenceID\t" +
           std::to_string(reference) + "\n";
  };
  const std::string bucket =
      "tserver_request_duration_seconds_bucket{request=\"RequestMakeCall\","
      "tserver=\"TS_P\",le=";
  write_file(seg, header("TS_P", "TS_P.20251217_100000_000.log"));
  {
    Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    // One answered in 0.25 s, one pending (its dump ends at the next record, the check point).
    append_file(seg, request("10:00:00.000", 1) + answer("10:00:00.250", 1) +
                         request("10:00:01.000", 2) +
                         "2025-12-17T10:00:01.100 Std 04120 Check point 2025-12-17T10:00:01\n");
    ASSERT_NE(scrape_until(port, {bucket + "\"0.25\"} 1", bucket + "\"+Inf\"} 1"}), "");
    EXPECT_TRUE(daemon.stop(SIGTERM).code == 0);
  }
  append_file(seg, answer("10:00:02.500", 2));  // 1.5 s after its request, while the daemon is down
  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m = scrape_until(port, {bucket + "\"+Inf\"} 2"});
  EXPECT_TRUE(HasLine(m, bucket + "\"0.1\"} 0"));
  EXPECT_TRUE(HasLine(m, bucket + "\"0.25\"} 1"));
  EXPECT_TRUE(HasLine(m, bucket + "\"1\"} 1"));
  EXPECT_TRUE(HasLine(m, bucket + "\"2.5\"} 2"));
  EXPECT_TRUE(HasLine(m,
                      "tserver_request_duration_seconds_sum{request=\"RequestMakeCall\","
                      "tserver=\"TS_P\"} 1.75"));
  EXPECT_TRUE(HasLine(m,
                      "tserver_request_duration_seconds_count{request=\"RequestMakeCall\","
                      "tserver=\"TS_P\"} 2"));
  EXPECT_EQ(m.find("tserver_requests_unanswered_total{"), std::string::npos);  // none
}

// A corrupt state file: one warning, a self-metric, a clean start, and the file replaced.
TEST_F(E2E, CorruptStateFileStartsCleanWithAWarning) {
  write_file(state_.path() + "/tserver_exporter.state",
             "tserver_exporter_state\t2\ncounter\tevent_errors\tTS_C\t\t57\t999\nchecksum\t0\n");
  const std::string seg = logs_.path() + "/TS_C.log";
  write_file(seg, header("TS_C", "TS_C.log") + shape_a(57, "0000000000000201"));
  Process daemon(daemon_args({"--source.file=" + seg, "--source.from-beginning"}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m = scrape_until(port, {errors_line("TS_C", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_C", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_load_failures_total 1"));
  EXPECT_NE(daemon.stderr_text().find("tserver_exporter.state is corrupt (checksum mismatch); "
                                      "starting clean"),
            std::string::npos)
      << daemon.stderr_text();
  EXPECT_TRUE(eventually([&] {
    return read_file(state_.path() + "/tserver_exporter.state")
               .find("counter\tevent_errors\tTS_C\t\t57\t1\n") != std::string::npos;
  }));
}

// One flipped byte in the newest state file: the restart uses the previous generation, its
// counters and positions together, and reads the logs again from there: the counts are exact.
TEST_F(E2E, ACorruptStateFileFallsBackToThePreviousGenerationWithExactCounts) {
  const std::string seg = logs_.path() + "/TS_F.20251217_100000_000.log";
  const std::string state = state_.path() + "/tserver_exporter.state";
  write_file(seg, header("TS_F", "TS_F.20251217_100000_000.log"));
  {
    Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    ASSERT_NE(scrape_until(port, {errors_line("TS_F", "57", "TERR_TIMEOUT", 0)}), "");
    append_file(seg, shape_a(57, "0000000000000401") + shape_a(57, "0000000000000402"));
    ASSERT_NE(scrape_until(port, {errors_line("TS_F", "57", "TERR_TIMEOUT", 2)}), "");
    append_file(seg, shape_a(236, "0000000000000403"));
    ASSERT_NE(scrape_until(port, {errors_line("TS_F", "236", "Timeout performing operation", 1)}),
              "");
    EXPECT_TRUE(daemon.stop(SIGTERM).code == 0);
  }
  ASSERT_TRUE(std::filesystem::exists(state + ".1"));
  std::string text = read_file(state);
  const std::size_t at = text.find("\t236\t1\n");
  ASSERT_NE(at, std::string::npos) << text;
  text[at + 5] = '7';  // 1 becomes 7: the checksum no longer matches
  write_file(state, text);
  append_file(seg, shape_a(57, "0000000000000404"));  // while the daemon is down

  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m =
      scrape_until(port, {errors_line("TS_F", "57", "TERR_TIMEOUT", 3),
                          errors_line("TS_F", "236", "Timeout performing operation", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_F", "57", "TERR_TIMEOUT", 3)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_F", "236", "Timeout performing operation", 1)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_fallbacks_total 1"));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_load_failures_total 1"));
  EXPECT_NE(daemon.stderr_text().find("tserver_exporter.state is corrupt (checksum mismatch); "
                                      "using the previous state"),
            std::string::npos)
      << daemon.stderr_text();
}

// A full disk under the state directory (a 64 KiB tmpfs, filled up): the writes fail and are
// counted, counting goes on, and after a crash the last good state, intact, is used: the logs
// are read again from its positions and the counts are exact.
TEST_F(E2E, AFullStateDiskKeepsTheLastGoodStateForTheRestart) {
  const std::string disk = state_.path() + "/small";
  std::filesystem::create_directory(disk);
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "): needs root or CAP_SYS_ADMIN";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk};
  const std::string seg = logs_.path() + "/TS_D.20251217_100000_000.log";
  write_file(seg, header("TS_D", "TS_D.20251217_100000_000.log"));
  const std::vector<std::string> args{"--web.listen-address=127.0.0.1:0",
                                      "--source.poll-interval=50ms", "--storage.path=" + disk,
                                      "--source.file=" + seg};
  {
    Process daemon(args, proc_.path());
    const int port = daemon.port();
    ASSERT_NE(port, 0);
    append_file(seg, shape_a(57, "0000000000000501"));
    ASSERT_NE(scrape_until(port, {errors_line("TS_D", "57", "TERR_TIMEOUT", 1)}), "");
    const int filler = ::open((disk + "/filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(filler, 0);
    const std::string block(4096, 'f');
    while (::write(filler, block.data(), block.size()) > 0) {
    }
    ::close(filler);
    append_file(seg, shape_a(57, "0000000000000502") + shape_a(236, "0000000000000503"));
    const std::string m =
        scrape_until(port, {errors_line("TS_D", "236", "Timeout performing operation", 1)});
    EXPECT_TRUE(HasLine(m, errors_line("TS_D", "57", "TERR_TIMEOUT", 2)));
    const auto failures = value_of(m, "tserver_exporter_state_write_failures_total");
    ASSERT_TRUE(failures);
    EXPECT_GE(std::stol(*failures), 1);
    EXPECT_FALSE(std::filesystem::exists(disk + "/tserver_exporter.state.tmp"));
    daemon.stop(SIGKILL);
  }
  Process daemon(args, proc_.path());  // the disk still full
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string m =
      scrape_until(port, {errors_line("TS_D", "236", "Timeout performing operation", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_D", "57", "TERR_TIMEOUT", 2)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_D", "236", "Timeout performing operation", 1)));
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_load_failures_total 0"));
}

// A state directory that cannot be written: counting goes on, the failures are counted.
TEST_F(E2E, UnwritableStateDirectoryKeepsCounting) {
  write_file(state_.path() + "/not-a-dir", "x");
  const std::string seg = logs_.path() + "/TS_W.log";
  write_file(seg, header("TS_W", "TS_W.log"));
  Process daemon({"--web.listen-address=127.0.0.1:0", "--source.poll-interval=50ms",
                  "--storage.path=" + state_.path() + "/not-a-dir", "--source.file=" + seg},
                 proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  ASSERT_NE(scrape_until(port, {errors_line("TS_W", "57", "TERR_TIMEOUT", 0)}), "");
  append_file(seg, shape_a(57, "0000000000000301"));
  const std::string m = scrape_until(port, {errors_line("TS_W", "57", "TERR_TIMEOUT", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_W", "57", "TERR_TIMEOUT", 1)));
  const auto failures = value_of(m, "tserver_exporter_state_write_failures_total");
  ASSERT_TRUE(failures);
  EXPECT_GE(std::stol(*failures), 1);
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_writes_total 0"));
  EXPECT_EQ(value_of(m, "tserver_exporter_state_write_duration_seconds_count"), failures);
}

// ------------------------------------------------------------------------------------------
// Standard input

// A pipe (`ssh host tail -F ... | tserver_exporter --source.stdin`): counted as it comes, the
// last dump closed by the idle flush, and the daemon keeps serving after the end of input.
TEST_F(E2E, StdinIsFollowedAndTheDaemonOutlivesItsEnd) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);  // the write end must not leak into the child
  Process daemon({"--web.listen-address=127.0.0.1:0", "--source.stdin", "--source.idle-flush=200ms",
                  "--storage.path=" + state_.path()},
                 proc_.path(), pipe_fds[0]);
  ::close(pipe_fds[0]);
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  const std::string text = header("TS_PIPE", "TS_PIPE.log") + shape_a(57, "0000000000000401") +
                           shape_b(236, "0000000000000402");  // the dump is left open
  const std::size_t half = text.size() / 2;
  write_all(pipe_fds[1], text.substr(0, half));
  ASSERT_NE(scrape_until(port, {errors_line("TS_PIPE", "57", "TERR_TIMEOUT", 0)}), "");
  write_all(pipe_fds[1], text.substr(half));
  std::string m =
      scrape_until(port, {errors_line("TS_PIPE", "57", "TERR_TIMEOUT", 1),
                          errors_line("TS_PIPE", "236", "Timeout performing operation", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_PIPE", "236", "Timeout performing operation", 1)));
  ::close(pipe_fds[1]);  // the end of input
  ASSERT_TRUE(daemon.wait_stderr("standard input ended"));
  m = scrape(port);
  EXPECT_TRUE(HasLine(m, errors_line("TS_PIPE", "57", "TERR_TIMEOUT", 1)));
  EXPECT_TRUE(HasLine(m, errors_line("TS_PIPE", "236", "Timeout performing operation", 1)));
  EXPECT_TRUE(daemon.running());
}

TEST_F(E2E, OnceReadsStdinToItsEnd) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);  // the write end must not leak into the child
  write_all(pipe_fds[1], header("TS_ONCE", "TS_ONCE.log") + shape_a(1707, "0000000000000501") +
                             shape_b(56, "0000000000000502"));
  ::close(pipe_fds[1]);
  Process once({"--once", "--source.stdin"}, proc_.path(), pipe_fds[0]);
  ::close(pipe_fds[0]);
  const auto status = once.wait_exit();
  ASSERT_TRUE(status && status->exited && status->code == 0);
  const std::string out = once.stdout_text();
  EXPECT_TRUE(HasLine(out, errors_line("TS_ONCE", "1707", "TERR_SOFT_AGENT_NOT_LOGGED_IN", 1)));
  EXPECT_TRUE(HasLine(out, errors_line("TS_ONCE", "56", "TERR_INV_CONNID", 1)));
}

// ------------------------------------------------------------------------------------------
// Regressions: each of these once failed.

// A 04542 `EventError sent to` record with no dump right before it is an EventError of unknown
// code (contract 3.4), even when an earlier shape-A dump never got its trailer: a trailer is the
// record right after its dump, so the Check point record in between ends the pairing.
TEST_F(E2E, LoneEventSentAfterAnUnpairedDumpIsCounted) {
  std::string text = header("TS_BUG1", "TS_BUG1.20251217_100000_000.log");
  text +=
      "@10:15:24.8070 [0] 8.5.001.23 distribute_event: message EventError\n"
      "\tAttributeEventSequenceNumber\t0000000000000901\n"
      "\tAttributeErrorCode\t57\n";
  text += check_point();  // the dump is closed; no trailer came
  text +=
      "2025-12-17T11:00:05.000 Trc 04542 EventError sent to [725] (0000002b WDE_02 "
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
  EXPECT_TRUE(
      HasLine(once.out, errors_line("TS_BUG2", "291", "Other telephony operation in progress", 1)));
  EXPECT_TRUE(HasLine(once.out, errors_line("TS_BUG2", "unknown", "UNKNOWN", 0)));
  EXPECT_TRUE(HasLine(once.out, "tserver_exporter_malformed_records_total 0"));
}

// The idle flush resolves a 04542 `EventError sent to` record that waits for its shape-B dump
// as a lone record (error_code="unknown"); when the column-0 `message EventError` dump arrives
// after a pause longer than --source.idle-flush, it must not be counted again.
TEST_F(E2E, ShapeBDumpAfterIdleFlushIsCountedOnce) {
  const std::string seg = logs_ / "TS_BUG3.20251217_100000_000.log";
  write_file(seg, header("TS_BUG3", "TS_BUG3.20251217_100000_000.log"));
  Process daemon(daemon_args({"--source.file=" + seg, "--source.idle-flush=100ms"}), proc_.path());
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

  const std::string dump = std::string("message EventError\n") +
                           "\tAttributeEventSequenceNumber\t0000000000000b01\n" +
                           "\tAttributeErrorCode\t236\n" + check_point();
  append_file(seg, dump);
  const std::string m = scrape_until(port, {bytes_read_line(record.size() + dump.size())});
  ASSERT_TRUE(HasLine(m, bytes_read_line(record.size() + dump.size())));
  EXPECT_EQ(tserver_series(m, "TS_BUG3").sum, 1)
      << "one EventError, counted " << tserver_series(m, "TS_BUG3").sum << " times";
}

// Issue 11: idle HTTP clients starved the daemon of descriptors (about 1,100 at the default
// limit of 1,024): scrapes timed out and state writes failed. With --web.max-connections, 300
// idle clients at a limit of 128 descriptors neither keep a scrape out nor stop the counting.
TEST_F(E2E, IdleHttpClientsNeitherKeepScrapesOutNorStopTheCounting) {
  const std::string seg = logs_ / "TS_FD.20251217_100000_000.log";
  write_file(seg, header("TS_FD", "TS_FD.20251217_100000_000.log"));
  Process daemon(daemon_args({"--source.file=" + seg}), proc_.path());
  const int port = daemon.port();
  ASSERT_NE(port, 0);
  ASSERT_NE(scrape_until(port, {errors_line("TS_FD", "57", "TERR_TIMEOUT", 0)}), "");
  // The descriptor limit of a small container, set on the running daemon.
  const rlimit limit{128, 128};
  ASSERT_EQ(::prlimit(daemon.pid(), RLIMIT_NOFILE, &limit, nullptr), 0) << std::strerror(errno);

  std::vector<int> idle;
  for (int i = 0; i < 300; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  append_file(seg, shape_a(57, "0000000000000101") + shape_a(236, "0000000000000102"));
  const auto started = std::chrono::steady_clock::now();
  const std::string m =
      scrape_until(port, {errors_line("TS_FD", "57", "TERR_TIMEOUT", 1),
                          errors_line("TS_FD", "236", "Timeout performing operation", 1)});
  EXPECT_TRUE(HasLine(m, errors_line("TS_FD", "57", "TERR_TIMEOUT", 1))) << m;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  const auto open = value_of(m, "tserver_exporter_http_connections");
  ASSERT_TRUE(open.has_value());
  EXPECT_LE(std::stoi(*open), 64);
  EXPECT_TRUE(HasLine(m, "tserver_exporter_state_write_failures_total 0")) << m;
  EXPECT_TRUE(HasLine(m, "tserver_exporter_http_connections_dropped_total{reason=\"refused\"} 0"));
  const auto evicted =
      value_of(m, "tserver_exporter_http_connections_dropped_total{reason=\"evicted\"}");
  ASSERT_TRUE(evicted.has_value());
  EXPECT_GE(std::stoi(*evicted), 300 - 64);
  for (int fd : idle) ::close(fd);
  EXPECT_EQ(daemon.stop(SIGTERM).code, 0);
}

// ------------------------------------------------------------------------------------------
// Bounded label sets

// An ISCCEventError dump and its 04542 trailer.
std::string iscc_error(int code, int seq) {
  char seq_text[24];
  std::snprintf(seq_text, sizeof seq_text, "%016x", seq);
  return std::string("@10:45:14.1340 [0] 8.5.001.23 distribute_event: message ISCCEventError\n") +
         "\tAttributeEventSequenceNumber\t" + seq_text + "\n\tAttributeErrorCode\t" +
         std::to_string(code) +
         "\n2025-12-17T10:45:14.134 Trc 04542 ISCCEventError sent to [812] (00000031 URS_01 "
         "10.1.5.20:40122)\n";
}

// The distinct `tserver` labels of one metric.
std::set<std::string> tserver_labels(const std::string& exposition, const std::string& metric) {
  std::set<std::string> labels;
  for (const auto& line : split_lines(exposition)) {
    if (!line.starts_with(metric + "{")) continue;
    const std::size_t at = line.find("tserver=\"");
    if (at != std::string::npos) {
      labels.insert(line.substr(at + 9, line.find('"', at + 9) - at - 9));
    }
  }
  return labels;
}

// 300 T-Servers (a file each, each naming its own) and 150 ISCC codes from one of them: the
// series stop at the limits (256 T-Servers and "other"; 20 ISCC codes a T-Server and "other"),
// the rest is counted under "other" and in the capped metrics, and the totals stay exact.
TEST_F(E2E, ManyTServersAndIsccCodesStayUnderTheLimits) {
  constexpr int kTServers = 300;
  constexpr int kIsccCodes = 150;
  std::string iscc;
  for (int i = 0; i < kIsccCodes; ++i) iscc += iscc_error(1000 + i, 0x100 + i);
  for (int i = 0; i < kTServers; ++i) {
    const std::string name = "TS_" + std::to_string(1000 + i);
    write_file(logs_.path() + "/" + name + ".log", header(name, name + ".log") +
                                                       shape_a(57, "0000000000000001") +
                                                       (i == 0 ? iscc : std::string()));
  }
  for (const int limit : {256, 10}) {
    SCOPED_TRACE("--metrics.max-tservers=" + std::to_string(limit));
    std::vector<std::string> args{"--once", "--source.file=" + logs_.path() + "/*.log"};
    if (limit != 256) args.push_back("--metrics.max-tservers=" + std::to_string(limit));
    const RunResult r = run(args, proc_.path());
    ASSERT_EQ(r.status.code, 0) << r.err;
    const auto labels = tserver_labels(r.out, "tserver_event_errors_total");
    EXPECT_EQ(labels.size(), static_cast<std::size_t>(limit) + 1);
    EXPECT_EQ(labels.count("other"), 1u);
    EXPECT_EQ(event_error_series(r.out), (limit + 1) * kSeriesPerTServer);
    double total = 0;
    for (const auto& label : labels) total += tserver_series(r.out, label).sum;
    EXPECT_EQ(total, kTServers);
    EXPECT_TRUE(HasLine(r.out, errors_line("other", "57", "TERR_TIMEOUT", kTServers - limit)));
    EXPECT_TRUE(HasLine(
        r.out, "tserver_exporter_tservers_capped_total " + std::to_string(kTServers - limit)));
    int iscc_series = 0;
    double iscc_total = 0;
    for (const auto& line : split_lines(r.out)) {
      if (!line.starts_with("tserver_iscc_errors_total{")) continue;
      ++iscc_series;
      iscc_total += std::stod(line.substr(line.rfind(' ') + 1));
    }
    EXPECT_EQ(iscc_series, 20 + 1);
    EXPECT_EQ(iscc_total, kIsccCodes);
    EXPECT_TRUE(HasLine(
        r.out, "tserver_exporter_iscc_codes_capped_total " + std::to_string(kIsccCodes - 20)));
  }
}

}  // namespace
