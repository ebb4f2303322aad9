#include "daemon/options.h"

#include <gtest/gtest.h>

namespace tse {
namespace {

using Args = std::vector<std::string>;

// The configuration a command line (without a file) runs with; throws on its first error.
Config configure(const Args& args) {
  Config config;
  const auto errors = load_configuration(parse_options(args), config);
  if (!errors.empty()) throw UsageError(errors.front());
  return config;
}

// The one line a UsageError out of `f` says, or "no error".
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

std::vector<std::string> files_of(const Config& config) {
  std::vector<std::string> files;
  for (const auto& source : config.sources)
    if (source.kind == SourceConfig::Kind::kFile) files.push_back(source.target);
  return files;
}

TEST(Options, DefaultsFollowPrometheusConventions) {
  const Config c = configure({"--source.file=/logs/*.log"});
  EXPECT_EQ(files_of(c), Args{"/logs/*.log"});
  EXPECT_EQ(c.web.listen_addresses, Args{":10057"});
  EXPECT_EQ(c.web.telemetry_path, "/metrics");
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.poll_interval, std::chrono::milliseconds(250));
  EXPECT_FALSE(c.from_beginning);
  EXPECT_FALSE(parse_options({"--source.file=a"}).once);
}

TEST(Options, ValuesWithEqualsOrAsTheNextArgument) {
  const Args args{"--source.file",
                  "a.log",
                  "--source.file=b/*.log",
                  "--once",
                  "--web.listen-address=127.0.0.1:0",
                  "--web.telemetry-path",
                  "/m",
                  "--log.level=debug",
                  "--source.poll-interval=2s",
                  "--source.from-beginning",
                  "--source.idle-flush=500ms"};
  EXPECT_TRUE(parse_options(args).once);
  const Config c = configure(args);
  EXPECT_EQ(files_of(c), (Args{"a.log", "b/*.log"}));
  EXPECT_TRUE(c.from_beginning);
  EXPECT_EQ(c.web.listen_addresses, Args{"127.0.0.1:0"});
  EXPECT_EQ(c.web.telemetry_path, "/m");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.poll_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.idle_flush, std::chrono::milliseconds(500));
}

// node_exporter's conventions (issue 13): a repeatable listen address that replaces the
// default, the level names the log prints, and the two log formats.
TEST(Options, ListenAddressesLogLevelsAndLogFormats) {
  EXPECT_EQ(configure({"--source.stdin", "--web.listen-address=:1", "--web.listen-address",
                       "[::1]:2"})
                .web.listen_addresses,
            (Args{":1", "[::1]:2"}));
  for (const char* level : {"debug", "info", "warn", "warning", "error"}) {
    EXPECT_EQ(configure({"--source.stdin", std::string("--log.level=") + level}).log.level, level);
  }
  EXPECT_EQ(configure({"--source.stdin"}).log.format, "logfmt");
  EXPECT_EQ(configure({"--source.stdin", "--log.format=json"}).log.format, "json");
  EXPECT_EQ(configure({"--source.stdin", "--log.format=logfmt"}).log.format, "logfmt");
}

TEST(Options, HelpAndVersionNeedNoSource) {
  EXPECT_TRUE(parse_options({"--help"}).show_help);
  EXPECT_TRUE(parse_options({"-h"}).show_help);
  EXPECT_TRUE(parse_options({"--version"}).show_version);
  EXPECT_NE(usage_text().find("--web.listen-address=ADDRESS"), std::string::npos);
  EXPECT_NE(usage_text().find("--config.file=FILE"), std::string::npos);
  EXPECT_NE(usage_text().find("--config.check"), std::string::npos);
}

TEST(Options, RunModeBitsStayOutOfTheConfig) {
  const Options o = parse_options({"--config.file=x.yml", "--config.check", "--once"});
  EXPECT_EQ(o.config_file, "x.yml");
  EXPECT_TRUE(o.config_check);
  EXPECT_TRUE(o.once);
  EXPECT_TRUE(o.settings.empty());
}

// The Windows service's flags exist on Windows alone; a service has no standard input, nor a
// console for --once or --config.check to print to. The state's default directory is where a
// service can write (its working directory is System32).
TEST(Options, WindowsServiceFlagsAndTheStateDirectory) {
#ifdef _WIN32
  const Options o = parse_options({"--windows.service", "--config.file=C:\\x.yml"});
  EXPECT_TRUE(o.windows_service);
  EXPECT_TRUE(o.settings.empty());
  EXPECT_EQ(parse_options({"--windows.install-config=C:\\y.yml"}).windows_install_config,
            "C:\\y.yml");
  EXPECT_EQ(error_of([] {
              parse_options({"--windows.service", "--source.stdin"});
            }),
            "--source.stdin cannot be used with --windows.service: a service has no standard "
            "input");
  EXPECT_EQ(error_of([] {
              parse_options({"--once", "--windows.service"});
            }),
            "--once cannot be used with --windows.service");
  EXPECT_EQ(error_of([] {
              parse_options({"--windows.service", "--config.check"});
            }),
            "--config.check cannot be used with --windows.service");
  EXPECT_NE(usage_text().find("\n  --windows.service "), std::string::npos);
  EXPECT_TRUE(configure({"--source.file=a"})
                  .storage.path.ends_with(":\\ProgramData\\tserver_exporter\\data"));
#else
  EXPECT_EQ(error_of([] { parse_options({"--windows.service"}); }),
            "unknown flag --windows.service; see --help");
  EXPECT_EQ(usage_text().find("--windows."), std::string::npos);
  EXPECT_EQ(configure({"--source.file=a"}).storage.path, "data");
#endif
}

TEST(Options, MistakesSayWhatToFix) {
  const auto message = [](const Args& args) { return error_of([&] { configure(args); }); };
  EXPECT_EQ(message({}),
            "no log to read; give one or more --source.file=GLOB, or --source.stdin, or sources: "
            "in the --config.file");
  EXPECT_EQ(configure({"--source.stdin"}).sources.front().kind, SourceConfig::Kind::kStdin);
  EXPECT_EQ(configure({"--source.tcp=:1", "--source.max-tservers=3"}).limits.source_max_tservers,
            3u);
  EXPECT_EQ(configure({"--source.stdin"}).limits.metrics_max_tservers, 256u);
  EXPECT_EQ(configure({"--source.stdin", "--metrics.max-tservers=7"}).limits.metrics_max_tservers,
            7u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.max-tservers=0"}),
            "--source.max-tservers takes a number from 1 to 100000 (got \"0\")");
  EXPECT_EQ(configure({"--source.tcp=:1"}).limits.source_max_origins, 1024u);
  EXPECT_EQ(configure({"--source.tcp=:1", "--source.max-origins=7"}).limits.source_max_origins, 7u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.max-origins=x"}),
            "--source.max-origins takes a number from 1 to 1000000 (got \"x\")");
  EXPECT_EQ(configure({"--source.tcp=:1"}).limits.udp_receive_buffer, 4u << 20);
  EXPECT_EQ(
      configure({"--source.tcp=:1", "--source.udp-receive-buffer=64KiB"}).limits.udp_receive_buffer,
      64u << 10);
  EXPECT_EQ(
      configure({"--source.tcp=:1", "--source.udp-receive-buffer=8MiB"}).limits.udp_receive_buffer,
      8u << 20);
  EXPECT_EQ(
      configure({"--source.tcp=:1", "--source.udp-receive-buffer=5000"}).limits.udp_receive_buffer,
      5000u);
  EXPECT_EQ(message({"--source.tcp=:1", "--source.udp-receive-buffer=1KiB"}),
            "--source.udp-receive-buffer takes a size from 4096 to 1073741824 bytes, or with KiB "
            "or MiB (got \"1KiB\")");
  EXPECT_EQ(configure({"--source.file=a"}).limits.max_streams, 1024u);
  EXPECT_EQ(configure({"--source.file=a", "--source.max-streams=3"}).limits.max_streams, 3u);
  EXPECT_EQ(message({"--source.file=a", "--source.max-streams=0"}),
            "--source.max-streams takes a number from 1 to 1000000 (got \"0\")");
  // --source.max-open-files: 0 (the default) sizes it from the descriptor limit.
  EXPECT_EQ(configure({"--source.file=a"}).limits.max_open_files, 0u);
  EXPECT_EQ(configure({"--source.file=a", "--source.max-open-files=500"}).limits.max_open_files,
            500u);
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
            "--web.telemetry-path must start with / and not be / or under /-/ (got \"metrics\")");
  EXPECT_EQ(message({"a.log"}),
            "unexpected argument \"a.log\"; log files are given with --source.file");
}

// Before the configuration model, these two were found only when binding (exit 1): now they
// are command-line errors, found before anything is opened.
TEST(Options, ABadListenAddressOrSyslogUrlIsAUsageError) {
  const auto message = [](const Args& args) { return error_of([&] { parse_options(args); }); };
  EXPECT_EQ(message({"--source.file=a", "--web.listen-address=10057"}),
            "--web.listen-address \"10057\" has no port; use HOST:PORT or :PORT");
  EXPECT_EQ(message({"--source.file=a", "--web.listen-address=:http"}),
            "--web.listen-address \":http\" has a bad port \"http\"");
  EXPECT_EQ(message({"--source.syslog=udp//:5514"}),
            "--source.syslog takes udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (got "
            "\"udp//:5514\")");
  EXPECT_EQ(message({"--source.tcp=1.2.3:5170"}),
            "--source.tcp: \"1.2.3:5170\": \"1.2.3\" is no IP address");
  EXPECT_EQ(message({"--source.file=a", "--web.listen-address=localhost:9"}), "no error");
}

}  // namespace
}  // namespace tse
