#include "daemon/options.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

using Args = std::vector<std::string>;

TEST(Options, DefaultsFollowPrometheusConventions) {
  const Options o = parse_options({"--source.file=/logs/*.log"});
  EXPECT_EQ(o.source_files, Args{"/logs/*.log"});
  EXPECT_EQ(o.listen_addresses, Args{":10057"});
  EXPECT_EQ(o.log_format, "logfmt");
  EXPECT_EQ(o.telemetry_path, "/metrics");
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.poll_interval, std::chrono::milliseconds(250));
  EXPECT_FALSE(o.once);
  EXPECT_FALSE(o.from_beginning);
}

TEST(Options, ValuesWithEqualsOrAsTheNextArgument) {
  const Options o = parse_options({"--source.file", "a.log", "--source.file=b/*.log", "--once",
                                   "--web.listen-address=127.0.0.1:0", "--web.telemetry-path", "/m",
                                   "--log.level=debug", "--source.poll-interval=2s",
                                   "--source.from-beginning", "--source.idle-flush=500ms"});
  EXPECT_EQ(o.source_files, (Args{"a.log", "b/*.log"}));
  EXPECT_TRUE(o.once);
  EXPECT_TRUE(o.from_beginning);
  EXPECT_EQ(o.listen_addresses, Args{"127.0.0.1:0"});
  EXPECT_EQ(o.telemetry_path, "/m");
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.poll_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(o.idle_flush, std::chrono::milliseconds(500));
}

// node_exporter's conventions (issue 13): a repeatable listen address that replaces the
// default, the level names the log prints, and the two log formats.
TEST(Options, ListenAddressesLogLevelsAndLogFormats) {
  EXPECT_EQ(parse_options(
                {"--source.stdin", "--web.listen-address=:1", "--web.listen-address", "[::1]:2"})
                .listen_addresses,
            (Args{":1", "[::1]:2"}));
  for (const char* level : {"debug", "info", "warn", "warning", "error"}) {
    EXPECT_EQ(parse_options({"--source.stdin", std::string("--log.level=") + level}).log_level,
              level);
  }
  EXPECT_EQ(parse_options({"--source.stdin", "--log.format=json"}).log_format, "json");
  EXPECT_EQ(parse_options({"--source.stdin", "--log.format=logfmt"}).log_format, "logfmt");
}

TEST(Options, HelpAndVersionNeedNoSource) {
  EXPECT_TRUE(parse_options({"--help"}).show_help);
  EXPECT_TRUE(parse_options({"-h"}).show_help);
  EXPECT_TRUE(parse_options({"--version"}).show_version);
  EXPECT_NE(usage_text().find("--web.listen-address=ADDRESS"), std::string::npos);
}

TEST(Options, MistakesSayWhatToFix) {
  const auto message = [](const Args& args) {
    try {
      parse_options(args);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({}), "no log to read; give one or more --source.file=GLOB, or --source.stdin");
  EXPECT_TRUE(parse_options({"--source.stdin"}).source_stdin);
  EXPECT_EQ(parse_options({"--source.tcp=:1", "--source.max-tservers=3"}).max_tservers, 3u);
  EXPECT_EQ(parse_options({"--source.stdin"}).metrics_max_tservers, 256u);
  EXPECT_EQ(parse_options({"--source.stdin", "--metrics.max-tservers=7"}).metrics_max_tservers, 7u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.max-tservers=0"}),
            "--source.max-tservers takes a number from 1 to 100000 (got \"0\")");
  EXPECT_EQ(parse_options({"--source.tcp=:1"}).max_origins, 1024u);
  EXPECT_EQ(parse_options({"--source.tcp=:1", "--source.max-origins=7"}).max_origins, 7u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.max-origins=x"}),
            "--source.max-origins takes a number from 1 to 1000000 (got \"x\")");
  EXPECT_EQ(parse_options({"--source.tcp=:1"}).udp_receive_buffer, 4u << 20);
  EXPECT_EQ(
      parse_options({"--source.tcp=:1", "--source.udp-receive-buffer=64KiB"}).udp_receive_buffer,
      64u << 10);
  EXPECT_EQ(
      parse_options({"--source.tcp=:1", "--source.udp-receive-buffer=8MiB"}).udp_receive_buffer,
      8u << 20);
  EXPECT_EQ(
      parse_options({"--source.tcp=:1", "--source.udp-receive-buffer=5000"}).udp_receive_buffer,
      5000u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.udp-receive-buffer=1KiB"}),
            "--source.udp-receive-buffer takes a size from 4096 to 1073741824 bytes, or with KiB "
            "or MiB (got \"1KiB\")");
  EXPECT_EQ(parse_options({"--source.file=a"}).max_streams, 1024u);
  EXPECT_EQ(parse_options({"--source.file=a", "--source.max-streams=3"}).max_streams, 3u);
  EXPECT_EQ(message({"--source.file=a", "--source.max-streams=0"}),
            "--source.max-streams takes a number from 1 to 1000000 (got \"0\")");
  // --source.max-open-files: 0 (the default) sizes it from the descriptor limit.
  EXPECT_EQ(parse_options({"--source.file=a"}).max_open_files, 0u);
  EXPECT_EQ(parse_options({"--source.file=a", "--source.max-open-files=500"}).max_open_files, 500u);
  EXPECT_EQ(message({"--source.file=a", "--source.max-open-files=-1"}),
            "--source.max-open-files takes a number from 0 to 1000000 (got \"-1\")");
  EXPECT_EQ(message({"--once", "--source.syslog=udp://:1"}),
            "--once reads files and standard input only, not --source.syslog or --source.tcp");
  EXPECT_EQ(message({"--source.file=a", "--bogus"}), "unknown flag --bogus; see --help");
  EXPECT_EQ(message({"--source.file"}), "--source.file needs a value");
  EXPECT_EQ(message({"--source.file=a", "--once=yes"}), "--once takes no value");
  EXPECT_EQ(message({"--source.file=a", "--source.poll-interval=fast"}),
            "--source.poll-interval takes a duration such as 250ms, 5s or 1m (got \"fast\")");
  EXPECT_EQ(message({"--source.file=a", "--source.poll-interval=0s"}),
            "--source.poll-interval must be > 0");
  EXPECT_EQ(message({"--source.file=a", "--log.level=loud"}),
            "--log.level must be one of debug, info, warn, warning, error (got \"loud\")");
  EXPECT_EQ(message({"--source.stdin", "--log.format=text"}),
            "--log.format must be logfmt or json (got \"text\")");
  EXPECT_EQ(message({"--source.file=a", "--web.telemetry-path=metrics"}),
            "--web.telemetry-path must start with / and not be / or /-/healthy");
  EXPECT_EQ(message({"a.log"}),
            "unexpected argument \"a.log\"; log files are given with --source.file");
}

}  // namespace
}  // namespace tse
