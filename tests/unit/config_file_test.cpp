// The YAML configuration file: every key parsed, every broken file answered with its exact
// error lines (FILE:LINE:COLUMN, 1-based), and the flags laid over the file.
#include "config/config_file.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "config/validate.h"
#include "daemon/options.h"
#include "temp_dir.h"
#include "web/web_config.h"

namespace tse {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;
using namespace std::chrono_literals;

Lines parse(const std::string& text, Config& config) {
  return parse_config_text(text, "t.yml", "/etc/tse", config);
}

Lines errors_of(const std::string& text) {
  Config config;
  return parse(text, config);
}

TEST(ConfigFile, EveryKeyIsParsed) {
  Config c;
  const Lines errors = parse(R"(
sources:
  - file: 'C:\GCTI\logs\TServer_SfB_01.*.log'
    tserver: TServer_SfB_01
  - stdin: true
  - syslog: udp://0.0.0.0:5514
    tserver: TServer_SfB_02
  - tcp: lab@127.0.0.1:5170
source:
  from_beginning: true
  poll_interval: 2s
  idle_flush: 250ms
catalog:
  tables: [tlib-error-codes.yml, /opt/codes.yml]
  codes:
    - code: 9001
      name: SITE_X
      description: The site's own code
    - {code: -3, name: NEGATIVE}
limits:
  metrics_max_tservers: 10
  source_max_tservers: 11
  source_max_origins: 12
  udp_receive_buffer: 64KiB
  max_streams: 13
  max_open_files: 14
  web_max_connections: 15
storage:
  path: /var/lib/tse
  write_interval: 1m
web:
  listen_addresses: ['127.0.0.1:9999']
  telemetry_path: /m
  config_file: web.yml
log:
  level: warning
  format: json
)",
                             c);
  EXPECT_EQ(errors, Lines{});
  using Kind = SourceConfig::Kind;
  const std::vector<SourceConfig> sources{
      {Kind::kFile, R"(C:\GCTI\logs\TServer_SfB_01.*.log)", "TServer_SfB_01"},
      {Kind::kStdin, "", ""},
      {Kind::kSyslog, "udp://0.0.0.0:5514", "TServer_SfB_02"},
      {Kind::kTcp, "lab@127.0.0.1:5170", ""}};
  EXPECT_EQ(c.sources, sources);
  EXPECT_TRUE(c.from_beginning);
  EXPECT_EQ(c.poll_interval, 2s);
  EXPECT_EQ(c.idle_flush, 250ms);
  using tse::testing::native_separators;
  EXPECT_EQ(c.catalog.tables, (Lines{native_separators("/etc/tse/tlib-error-codes.yml"),
                                     native_separators("/opt/codes.yml")}));
  EXPECT_EQ(c.catalog.codes, (std::vector<CatalogEntryConfig>{
                                 {9001, "SITE_X", "The site's own code"}, {-3, "NEGATIVE", ""}}));
  EXPECT_EQ(c.limits, (LimitsConfig{.metrics_max_tservers = 10,
                                    .source_max_tservers = 11,
                                    .source_max_origins = 12,
                                    .udp_receive_buffer = 64u << 10,
                                    .max_streams = 13,
                                    .max_open_files = 14,
                                    .web_max_connections = 15}));
  EXPECT_EQ(c.storage.path, "/var/lib/tse");
  EXPECT_EQ(c.storage.write_interval, 1min);
  EXPECT_EQ(c.web.listen_addresses, Lines{"127.0.0.1:9999"});
  EXPECT_EQ(c.web.telemetry_path, "/m");
  EXPECT_EQ(c.web.config_file, native_separators("/etc/tse/web.yml"));
  EXPECT_EQ(c.log.level, "warning");
  EXPECT_EQ(c.log.format, "json");
}

TEST(ConfigFile, AnEmptyFileOrOnlyCommentsKeepsEveryDefault) {
  for (const char* text : {"", "# nothing\n", "---\n"}) {
    Config c;
    EXPECT_EQ(parse(text, c), Lines{}) << text;
    EXPECT_EQ(c, Config{}) << text;
  }
}

struct Broken {
  const char* text;
  Lines errors;
};

// Each broken file with every line it must produce, exactly.
TEST(ConfigFile, BrokenFilesNameTheLineAndColumnAndWhatIsExpected) {
  const std::vector<Broken> table{
      {"sourcs: []\n",
       {"t.yml:1:1: unknown key \"sourcs\" in the configuration; expected one of sources, "
        "source, catalog, limits, storage, web, log"}},
      {"limits:\n  max_streams: 5\n  max_streams: 6\n",
       {"t.yml:3:3: duplicate key \"max_streams\" in limits (first at line 2); give each key "
        "once"}},
      {"web: {}\nweb: {}\n",
       {"t.yml:2:1: duplicate key \"web\" in the configuration (first at line 1); give each key "
        "once"}},
      {"limits:\n  max_streams: many\n",
       {"t.yml:2:16: limits.max_streams takes a number from 1 to 1000000 (got \"many\")"}},
      {"limits:\n  max_streams: [1]\n",
       {"t.yml:2:16: limits.max_streams is a list; expected a number from 1 to 1000000"}},
      {"limits:\n  web_max_connections: 0\n",
       {"t.yml:2:24: limits.web_max_connections takes a number from 1 to 100000 (got \"0\")"}},
      {"limits:\n  udp_receive_buffer: 1KiB\n",
       {"t.yml:2:23: limits.udp_receive_buffer takes a size from 4096 to 1073741824 bytes, or "
        "with KiB or MiB (got \"1KiB\")"}},
      {"limits: 5\n",
       {"t.yml:1:9: limits is \"5\"; expected a map of metrics_max_tservers, "
        "source_max_tservers, source_max_origins, udp_receive_buffer, max_streams, "
        "max_open_files, web_max_connections"}},
      {"source:\n  poll_interval: 250\n",
       {"t.yml:2:18: source.poll_interval takes a duration such as 250ms, 5s or 1m (got "
        "\"250\")"}},
      {"source:\n  poll_interval: 0ms\n",
       {"t.yml:2:18: source.poll_interval must be > 0 (got \"0ms\")"}},
      {"source:\n  poll_interval:\n",
       {"t.yml:2:3: source.poll_interval is empty; expected a duration such as 250ms, 5s or 1m"}},
      {"source:\n  from_beginning: yes\n",
       {"t.yml:2:19: source.from_beginning is \"yes\"; expected true or false"}},
      {"storage:\n  write_interval: 0s\n",
       {"t.yml:2:19: storage.write_interval must be > 0 (got \"0s\")"}},
      {"storage:\n  path: ''\n", {"t.yml:2:9: storage.path is empty; expected a directory"}},
      {"sources: {file: a}\n",
       {"t.yml:1:10: sources is a map; expected a list of sources (file:, stdin:, syslog: or "
        "tcp:)"}},
      {"sources:\n  - tserver: A\n",
       {"t.yml:2:5: sources[0] has no source; expected one of file:, stdin:, syslog:, tcp:"}},
      {"sources:\n  - file: a\n    syslog: udp://:1\n",
       {"t.yml:2:5: sources[0] has both file: and syslog:; expected one source an entry"}},
      {"sources:\n  - file: a\n    tserver: A\n    tserver: B\n",
       {"t.yml:4:5: duplicate key \"tserver\" in sources[0] (first at line 3); give each key "
        "once"}},
      {"sources:\n  - file: a\n    name: A\n",
       {"t.yml:3:5: unknown key \"name\" in sources[0]; expected one of file, stdin, syslog, "
        "tcp, tserver"}},
      {"sources:\n  - syslog: udp//0.0.0.0:5514\n",
       {"t.yml:2:13: sources[0].syslog takes udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT "
        "(got "
        "\"udp//0.0.0.0:5514\")"}},
      {"sources:\n  - syslog: udp://0.0.0.0:99999\n",
       {"t.yml:2:13: sources[0].syslog: \"udp://0.0.0.0:99999\" has a bad port \"99999\""}},
      {"sources:\n  - tcp: 127.0.0.1\n",
       {"t.yml:2:10: sources[0].tcp: \"127.0.0.1\" has no port; use HOST:PORT or :PORT"}},
      {"sources:\n  - stdin: false\n",
       {"t.yml:2:5: sources[0].stdin is false; expected true (or leave the entry out)"}},
      {"sources:\n  - file: a\n    tserver: ''\n",
       {"t.yml:3:14: sources[0].tserver is empty; expected the T-Server's name"}},
      {"sources:\n  - file: [a, b]\n",
       {"t.yml:2:11: sources[0].file is a list; expected a file name or glob"}},
      {"web:\n  listen_addresses: 10057\n",
       {"t.yml:2:21: web.listen_addresses is \"10057\"; expected a list of addresses "
        "(HOST:PORT or :PORT)"}},
      {"web:\n  listen_addresses: ['10057']\n",
       {"t.yml:2:22: web.listen_addresses[0] \"10057\" has no port; use HOST:PORT or :PORT"}},
      {"web:\n  listen_addresses: ['a b:1']\n",
       {"t.yml:2:22: web.listen_addresses[0] \"a b:1\": \"a b\" is neither an IP address nor a "
        "host name; use HOST:PORT or :PORT"}},
      {"web:\n  telemetry_path: /-/healthy\n",
       {"t.yml:2:19: web.telemetry_path must start with / and not be / or under /-/ (got "
        "\"/-/healthy\")"}},
      {"log:\n  level: loud\n  format: text\n",
       {"t.yml:2:10: log.level must be one of debug, info, warn, warning, error (got \"loud\")",
        "t.yml:3:11: log.format must be logfmt or json (got \"text\")"}},
      {"catalog:\n  codes:\n    - {code: 57x, name: A}\n    - {name: B}\n    - code: 3\n",
       {"t.yml:3:14: catalog.codes[0].code is \"57x\"; expected a whole number",
        "t.yml:4:7: catalog.codes[1] has no code; expected code: N and name: NAME",
        "t.yml:5:7: catalog.codes[2] has no name; expected code: N and name: NAME"}},
      {"catalog:\n  tables: a.yml\n",
       {"t.yml:2:11: catalog.tables is \"a.yml\"; expected a list of files of error codes"}},
      // YAML syntax errors, at yaml-cpp's place for them.
      {"sources: [\n", {"t.yml:2:1: not valid YAML: end of sequence flow not found"}},
      {"a: 1\n  b: 2\n", {"t.yml:2:4: not valid YAML: illegal map value"}},
      {"- 1\n- 2\n",
       {"t.yml:1:1: the configuration is a list; expected a map of sources, "
        "source, catalog, limits, storage, web, log"}},
  };
  for (const auto& broken : table) {
    EXPECT_EQ(errors_of(broken.text), broken.errors) << broken.text;
  }
}

// A key or a YAML error that carries a newline or an escape sequence from the file stays one
// line, its control bytes written out: an error is one line, and never drives a terminal.
TEST(ConfigFile, AnErrorIsOneLineWhateverTheFileHolds) {
  EXPECT_EQ(errors_of("\"x\\ny\\e[2J\": 1\n"),
            (Lines{"t.yml:1:1: unknown key \"x\\x0ay\\x1b[2J\" in the configuration; expected "
                   "one of sources, source, catalog, limits, storage, web, log"}));
  EXPECT_EQ(errors_of("a: \"\\\x01\"\n"),
            (Lines{"t.yml:1:7: not valid YAML: unknown escape character: \\x01"}));
  try {
    parse_web_config("\"x\\ny\": 1\n", "w.yml");
    ADD_FAILURE();
  } catch (const WebConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "w.yml:1:1: unknown key \"x\\x0ay\" in the web configuration (expected one of: "
              "tls_server_config, http_server_config, basic_auth_users, rate_limit)");
  }
}

TEST(ConfigFile, EveryErrorIsCollectedNotJustTheFirst) {
  const Lines errors = errors_of(
      "bogus: 1\n"
      "limits:\n"
      "  max_streams: 0\n"
      "  max_streams: 1\n"
      "web:\n"
      "  telemetry_path: x\n"
      "log: {level: loud}\n");
  EXPECT_EQ(errors,
            (Lines{"t.yml:1:1: unknown key \"bogus\" in the configuration; expected one of "
                   "sources, source, catalog, limits, storage, web, log",
                   "t.yml:3:16: limits.max_streams takes a number from 1 to 1000000 (got \"0\")",
                   "t.yml:4:3: duplicate key \"max_streams\" in limits (first at line 3); give "
                   "each key once",
                   "t.yml:6:19: web.telemetry_path must start with / and not be / or under /-/ "
                   "(got \"x\")",
                   "t.yml:7:14: log.level must be one of debug, info, warn, warning, error (got "
                   "\"loud\")"}));
}

TEST(ConfigFile, AValueInErrorLeavesWhatWasThere) {
  Config c;
  parse("limits: {max_streams: 0, max_open_files: 9}\n", c);
  EXPECT_EQ(c.limits.max_streams, LimitsConfig{}.max_streams);
  EXPECT_EQ(c.limits.max_open_files, 9u);
}

// A real file on disk, with the flags over it: what main() does.
class ConfigOnDisk : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = tse::testing::make_temp_dir("tse-config-"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  Lines load(const std::vector<std::string>& args, Config& config) {
    return load_configuration(parse_options(args), config);
  }
  fs::path dir_;
};

TEST_F(ConfigOnDisk, RelativePathsResolveAgainstTheFilesDirectory) {
  write("codes.yml", "- {code: 9001, name: SITE_CODE, description: A site code.}\n");
  const std::string file = write("c.yml",
                                 "sources: [{file: a.log}]\n"
                                 "catalog: {tables: [codes.yml]}\n");
  Config c;
  EXPECT_EQ(load({"--config.file=" + file}, c), Lines{});
  EXPECT_EQ(c.catalog.tables, Lines{(dir_ / "codes.yml").string()});
  EXPECT_EQ(c.sources.front().target, "a.log");  // a glob is the operator's, as on the command line
}

TEST_F(ConfigOnDisk, FlagsWinOverTheFile) {
  const std::string file = write("c.yml",
                                 "sources:\n"
                                 "  - file: /logs/a.*.log\n"
                                 "    tserver: A\n"
                                 "  - syslog: udp://127.0.0.1:5514\n"
                                 "    tserver: S\n"
                                 "limits: {max_streams: 5, max_open_files: 7}\n"
                                 "web: {listen_addresses: [':1'], telemetry_path: /file}\n"
                                 "log: {level: debug}\n");
  Config c;
  EXPECT_EQ(load({"--config.file=" + file}, c), Lines{});
  EXPECT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.limits.max_streams, 5u);

  // A scalar flag wins; the file's other values stay; a --source.file replaces the file's file
  // sources but not its syslog one.
  EXPECT_EQ(
      load({"--config.file=" + file, "--source.max-streams=9", "--web.listen-address=127.0.0.1:0",
            "--source.file=/x/*.log", "--source.file=/y/*.log"},
           c),
      Lines{});
  EXPECT_EQ(c.limits.max_streams, 9u);
  EXPECT_EQ(c.limits.max_open_files, 7u);
  EXPECT_EQ(c.web.listen_addresses, Lines{"127.0.0.1:0"});
  EXPECT_EQ(c.web.telemetry_path, "/file");
  EXPECT_EQ(c.log.level, "debug");
  using Kind = SourceConfig::Kind;
  EXPECT_EQ(c.sources, (std::vector<SourceConfig>{{Kind::kSyslog, "udp://127.0.0.1:5514", "S"},
                                                  {Kind::kFile, "/x/*.log", ""},
                                                  {Kind::kFile, "/y/*.log", ""}}));
}

TEST_F(ConfigOnDisk, ProblemsFoundOverTheWholeConfigurationNameTheFilesLine) {
  const std::string file = write("c.yml",
                                 "sources:\n"
                                 "  - file: /logs/a.*.log\n"
                                 "  - tcp: 127.0.0.1:5170\n"
                                 "catalog:\n"
                                 "  codes:\n"
                                 "    - {code: 1, name: A}\n"
                                 "    - {code: 1, name: B}\n"
                                 "  tables: [missing.yml]\n");
  Config c;
  EXPECT_EQ(load({"--config.file=" + file, "--once"}, c),
            (Lines{file + ":3:5: --once reads files and standard input only, not "
                          "--source.syslog or --source.tcp",
                   file + ":7:7: catalog.codes[1] names code 1 again; give each code once",
                   file + ":8:12: catalog.tables[0] \"" + (dir_ / "missing.yml").string() +
                       "\" is not a readable file; expected a table of error codes"}));
  // The network source replaced by a flag: its problem is gone with it.
  EXPECT_EQ(load({"--config.file=" + file, "--once", "--source.tcp=127.0.0.1:1"}, c).size(), 3u);
  EXPECT_EQ(load({"--config.file=" + file, "--source.tcp=127.0.0.1:1"}, c).size(), 2u);
}

TEST_F(ConfigOnDisk, AMissingFileIsOneLine) {
  Config c;
  const std::string missing = (dir_ / "none.yml").string();
  EXPECT_EQ(load({"--config.file=" + missing}, c),
            Lines{missing + ": cannot read the configuration file: No such file or directory; "
                            "expected a readable YAML file"});
}

// config/tserver_exporter.yml documents every key with its default: loaded, it is the defaults
// (but for its one source).
TEST(ConfigFile, TheCommentedExampleStatesTheDefaults) {
  Config c;
  EXPECT_EQ(load_config_file(TSE_CONFIG_DIR "/tserver_exporter.yml", c), Lines{});
  ASSERT_EQ(c.sources.size(), 1u);
  Config defaults;
  defaults.sources = c.sources;
  EXPECT_EQ(c, defaults);
}

TEST(ConfigValidate, ReturnsEveryProblemOfAConfigBuiltInCode) {
  Config c;
  c.sources = {{SourceConfig::Kind::kSyslog, "tls//:1", "A"},
               {SourceConfig::Kind::kStdin},
               {SourceConfig::Kind::kStdin}};
  c.limits.max_streams = 0;
  c.limits.metrics_max_tservers = 1;
  c.sources.push_back({SourceConfig::Kind::kFile, "x", "B"});
  c.web.listen_addresses = {};
  const auto problems = validate(c);
  std::vector<std::string> keys;
  for (const auto& p : problems) keys.push_back(p.key);
  EXPECT_EQ(keys, (Lines{"sources[0]", "sources[2]", "limits.metrics_max_tservers",
                         "limits.max_streams", "web.listen_addresses"}));
  EXPECT_EQ(validate(Config{}),
            (std::vector<ConfigProblem>{{"sources",
                                         "no log to read; give one or more "
                                         "--source.file=GLOB, or --source.stdin, or "
                                         "sources: in the --config.file"}}));
}

}  // namespace
}  // namespace tse
