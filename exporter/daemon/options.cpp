#include "daemon/options.h"

#include <algorithm>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>
#include "logging/log_setup.h"

#include "catalog/catalog_table.h"
#include "config/validate.h"
#include "web/web_config.h"
#include "web/web_security.h"

namespace tse {
namespace {

// One flag: a run-mode bit (`mode`) or a value of the Config (`apply`), with the key of the
// configuration file it overrides.
struct Flag {
  std::string_view name;
  std::string_view value_name;  // empty for a boolean flag
  std::string_view help;
  std::function<void(Config&, const std::string&)> apply;
  /// The file's key that the flag overrides. A list flag (`list`) replaces the file's entries
  /// of its kind: "sources" with `kind`, or the list `key`.
  std::string_view key = {};
  bool list = false;
  SourceConfig::Kind kind = SourceConfig::Kind::kFile;
  std::function<void(Options&, const std::string&)> mode = {};
};

void check(const std::string& wrong) {
  if (!wrong.empty()) throw UsageError(wrong);
}

// A source flag: its value checked as the file's would be, then added.
std::function<void(Config&, const std::string&)> add_source(SourceConfig::Kind kind,
                                                            std::string flag) {
  return [kind, flag](Config& c, const std::string& v) {
    SourceConfig source{.kind = kind, .target = v};
    check(check_source(source, flag));
    c.sources.push_back(std::move(source));
  };
}

std::function<void(Config&, const std::string&)> count(std::size_t LimitsConfig::*field,
                                                       std::string flag, CountRange range) {
  return [field, flag, range](Config& c, const std::string& v) {
    c.limits.*field = parse_count(flag, v, range.min, range.max);
  };
}

const std::vector<Flag>& flags() {
  using Kind = SourceConfig::Kind;
  namespace r = count_ranges;
  static const std::vector<Flag> kFlags{{
      {"source.file", "GLOB",
       "T-Server log files to follow (repeatable). Segments of one T-Server "
       "(NAME.YYYYMMDD_HHMMSS_mmm.log) are read in order; *.snapshot.log, *.memory.log and *.qsp "
       "are never read. A glob, not a folder (FOLDER/*.log).",
       [](Config& c, const std::string& v) {
         if (v.empty()) throw UsageError("--source.file needs a file name or glob");
         c.sources.push_back({.kind = Kind::kFile, .target = v});
       },
       "sources", true, Kind::kFile},
      {"source.stdin", "",
       "Also read a T-Server log from standard input (e.g. `ssh host tail -F ... |`). Its "
       "tserver label is the Application name of a header block in it, else \"stdin\".",
       [](Config& c, const std::string&) {
         if (std::none_of(c.sources.begin(), c.sources.end(),
                          [](const SourceConfig& s) { return s.kind == Kind::kStdin; })) {
           c.sources.push_back({.kind = Kind::kStdin});
         }
       },
       "sources", true, Kind::kStdin},
      {"source.syslog", "URL",
       "Receive T-Server log lines as syslog (RFC 5424 or 3164), one line a message: "
       "udp://HOST:PORT, tcp://HOST:PORT (octet counting or LF framing) or tls://HOST:PORT "
       "(RFC 5425, with --web.config.file's tls_server_config). Labelled by the "
       "syslog app-name, else the hostname. An empty HOST is 127.0.0.1. Repeatable.",
       add_source(Kind::kSyslog, "--source.syslog"), "sources", true, Kind::kSyslog},
      {"source.tcp", "[NAME@]HOST:PORT",
       "Receive raw T-Server log lines over TCP, one stream a connection, labelled NAME (else "
       "\"tcp\") unless the stream has a header block; tls://[NAME@]HOST:PORT over TLS. An empty "
       "HOST is 127.0.0.1. Repeatable.",
       add_source(Kind::kTcp, "--source.tcp"), "sources", true, Kind::kTcp},
      {"source.from-beginning", "",
       "Read the files present at the first start from their first byte (default: from their "
       "end; files that appear later are always read from their first byte). A log the state "
       "file has a position for goes on from there.",
       [](Config& c, const std::string&) { c.from_beginning = true; }, "source.from_beginning"},
      {"source.poll-interval", "DURATION", "How often to look for new files and new bytes. (250ms)",
       [](Config& c, const std::string& v) {
         c.poll_interval = parse_duration("--source.poll-interval", v);
         if (c.poll_interval.count() <= 0) throw UsageError("--source.poll-interval must be > 0");
       },
       "source.poll_interval"},
      {"source.idle-flush", "DURATION",
       "A log quiet for this long has its last record closed and counted. (1s)",
       [](Config& c, const std::string& v) {
         c.idle_flush = parse_duration("--source.idle-flush", v);
       },
       "source.idle_flush"},
      {"source.request-timeout", "DURATION",
       "A client request not answered within this much log time counts in "
       "tserver_requests_unanswered_total. (5m)",
       [](Config& c, const std::string& v) {
         c.request_timeout = parse_duration("--source.request-timeout", v);
         if (c.request_timeout.count() <= 0) {
           throw UsageError("--source.request-timeout must be > 0");
         }
       },
       "source.request_timeout"},
      {"source.max-streams", "N",
       "At most N log streams (a T-Server's segments in one directory) followed from "
       "--source.file; the files of more are not read (tserver_exporter_files_refused). (1024)",
       count(&LimitsConfig::max_streams, "--source.max-streams", r::kMaxStreams),
       "limits.max_streams"},
      {"source.max-open-files", "N",
       "At most N descriptors for followed log files; more files are read in turn. 0: what the "
       "descriptor limit (raised to its hard limit at start) leaves after 64, "
       "--web.max-connections and 256 for each TCP listener. (0)",
       count(&LimitsConfig::max_open_files, "--source.max-open-files", r::kMaxOpenFiles),
       "limits.max_open_files"},
      {"source.max-tservers", "N",
       "At most N distinct tserver labels per --source.syslog or --source.tcp listener; lines "
       "of more are dropped and counted. (64)",
       count(&LimitsConfig::source_max_tservers, "--source.max-tservers", r::kSourceMaxTservers),
       "limits.source_max_tservers"},
      {"source.max-origins", "N",
       "At most N origins (a TCP connection or UDP sender, with the syslog hostname and "
       "app-name) held per --source.syslog or --source.tcp listener; past it, the one silent "
       "longest is closed (its open record counted) to make room. (1024)",
       count(&LimitsConfig::source_max_origins, "--source.max-origins", r::kSourceMaxOrigins),
       "limits.source_max_origins"},
      {"source.udp-receive-buffer", "BYTES",
       "The receive buffer asked of the kernel for each UDP listener, in bytes (or with KiB, "
       "MiB), where bursts wait; the kernel grants at most net.core.rmem_max. (4MiB)",
       [](Config& c, const std::string& v) {
         c.limits.udp_receive_buffer = parse_bytes("--source.udp-receive-buffer", v);
       },
       "limits.udp_receive_buffer"},
      {"storage.path", "DIR",
       "Directory of the state file: the counters and where each log was read up to, so that a "
       "restart neither loses nor repeats a count. "
#ifdef _WIN32
       "(%ProgramData%\\tserver_exporter\\data)",
#else
       "(data)",
#endif
       [](Config& c, const std::string& v) {
         if (v.empty()) throw UsageError("--storage.path needs a directory");
         c.storage.path = v;
       },
       "storage.path"},
      {"storage.write-interval", "DURATION",
       "How often the state file is written while logs are read; it is also written before "
       "every scrape that would show new counts, and at shutdown. (5s)",
       [](Config& c, const std::string& v) {
         c.storage.write_interval = parse_duration("--storage.write-interval", v);
         if (c.storage.write_interval.count() <= 0) {
           throw UsageError("--storage.write-interval must be > 0");
         }
       },
       "storage.write_interval"},
      {"web.listen-address", "ADDRESS",
       "Address to serve metrics on: HOST:PORT or :PORT. Repeatable: the same server listens "
       "on every address given. (:10057)",
       [](Config& c, const std::string& v) {
         check(check_listen_address(v, "--web.listen-address"));
         c.web.listen_addresses.push_back(v);
       },
       "web.listen_addresses", true},
      {"web.telemetry-path", "PATH", "Path under which to serve metrics. (/metrics)",
       [](Config& c, const std::string& v) {
         check(check_telemetry_path(v, "--web.telemetry-path"));
         c.web.telemetry_path = v;
       },
       "web.telemetry_path"},
      {"web.max-connections", "N",
       "At most N HTTP connections open at once; past it the one idle longest (else one whose "
       "answer is not taken for 2s) is closed to let a new one in, and a 503 answers when all "
       "are busy. Idle connections close after 30s. (64)",
       count(&LimitsConfig::web_max_connections, "--web.max-connections", r::kWebMaxConnections),
       "limits.web_max_connections"},
      {"web.config.file", "FILE",
       "exporter-toolkit web configuration file: TLS (also for tls:// sources), basic "
       "authentication, response headers. An invalid one exits 2 at start, and is refused by a "
       "reload. (none: plain HTTP)",
       [](Config& c, const std::string& v) {
         if (v.empty()) throw UsageError("--web.config.file needs a file");
         c.web.config_file = v;
       },
       "web.config_file"},
      {"metrics.max-tservers", "N",
       "At most N distinct tserver labels in all (every source); the counts of more go to "
       "tserver=\"other\" and are counted in tserver_exporter_tservers_capped_total. (256)",
       count(&LimitsConfig::metrics_max_tservers, "--metrics.max-tservers", r::kMetricsMaxTservers),
       "limits.metrics_max_tservers"},
      {"log.level", "LEVEL", "Log level: debug, info, warn (or warning) or error. (info)",
       [](Config& c, const std::string& v) {
         check(check_log_level(v, "--log.level"));
         c.log.level = v;
       },
       "log.level"},
      {"log.format", "FORMAT",
       "Format of the log lines: logfmt (ts=... level=info msg=\"...\") or json, one object a "
       "line. (logfmt)",
       [](Config& c, const std::string& v) {
         check(check_log_format(v, "--log.format"));
         c.log.format = v;
       },
       "log.format"},
      {"config.file",
       "FILE",
       "A YAML configuration file (README, \"Configuration\"; config/tserver_exporter.yml): "
       "sources with their T-Server names, error codes, limits, storage, web, log. A flag given "
       "here wins over the file's value; a list flag (--source.file, --source.syslog, ...) "
       "replaces the file's entries of its kind.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string& v) {
         if (v.empty()) throw UsageError("--config.file needs a file name");
         o.config_file = v;
       }},
      {"config.check",
       "",
       "Check the configuration (the file and the flags), print what would run and exit: 0 when "
       "it can run, else 2 with every error, one line each.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string&) { o.config_check = true; }},
      {"once",
       "",
       "Read the files from their first byte to their end, print the metrics to standard output "
       "and exit; a glob that matches no file exits 1.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string&) { o.once = true; }},
#ifdef _WIN32
      {"windows.service",
       "",
       "Run as a Windows service (the service's command line, as the MSI installs it): logs to "
       "%ProgramData%\\tserver_exporter\\logs\\tserver_exporter.log (10 MiB, 5 kept) and its "
       "warnings and errors also to the Application event log; a stop saves the state as Ctrl+C "
       "does. Not with --source.stdin, --once or --config.check.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string&) { o.windows_service = true; }},
      {"windows.install-config",
       "FILE",
       "Copy tserver_exporter.example.yml, from beside tserver_exporter.exe, to FILE if FILE does "
       "not exist, and exit (the MSI's first install).",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string& v) {
         if (v.empty()) throw UsageError("--windows.install-config needs a file name");
         o.windows_install_config = v;
       }},
#endif
      {"version",
       "",
       "Print the version and exit.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string&) { o.show_version = true; }},
      {"help",
       "",
       "Print this help and exit.",
       {},
       {},
       false,
       Kind::kFile,
       [](Options& o, const std::string&) { o.show_help = true; }},
  }};
  return kFlags;
}

const Flag* find_flag(std::string_view name) {
  for (const auto& flag : flags())
    if (flag.name == name) return &flag;
  return nullptr;
}

}  // namespace

Options parse_options(const std::vector<std::string>& args) {
  Options options;
  Config scratch;  // every value is checked once here, where the flag is named
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      options.show_help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      throw UsageError("unexpected argument \"" + arg +
                       "\"; log files are given with --source.file");
    }
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const Flag* flag = find_flag(name);
    if (flag == nullptr) throw UsageError("unknown flag --" + name + "; see --help");
    std::optional<std::string> value;
    if (eq != std::string::npos) value = arg.substr(eq + 1);
    if (flag->value_name.empty()) {
      if (value) throw UsageError("--" + name + " takes no value");
      value.emplace();
    } else if (!value) {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
      value = args[++i];
    }
    if (flag->mode) {
      flag->mode(options, *value);
      continue;
    }
    flag->apply(scratch, *value);
    options.settings.emplace_back(name, *value);
  }
  if (options.windows_service) {
    // A service has no console: nothing to read from it nor to print to.
    for (const auto& [name, value] : options.settings) {
      if (name == "source.stdin") {
        throw UsageError(
            "--source.stdin cannot be used with --windows.service: a service has no "
            "standard input");
      }
    }
    if (options.once || options.config_check) {
      throw UsageError(std::string(options.once ? "--once" : "--config.check") +
                       " cannot be used with --windows.service");
    }
  }
  return options;
}

void apply_flags(const Options& options, Config& config, ConfigLocations* locations) {
  // Lists a flag replaces: the file's entries of that kind go first.
  std::set<SourceConfig::Kind> kinds;
  bool listen_addresses = false;
  for (const auto& [name, value] : options.settings) {
    const Flag* flag = find_flag(name);
    if (flag->list && flag->key == "sources") kinds.insert(flag->kind);
    listen_addresses |= flag->key == "web.listen_addresses";
  }
  std::vector<SourceConfig> kept;
  std::map<std::string, std::string> moved;  // the kept sources' locations, renumbered
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    if (kinds.contains(config.sources[i].kind)) continue;
    if (locations != nullptr) {
      const std::string from = "sources[" + std::to_string(i) + "]";
      const std::string to = "sources[" + std::to_string(kept.size()) + "]";
      for (const auto& [key, where] : locations->at) {
        if (key.starts_with(from)) moved[to + key.substr(from.size())] = where;
      }
    }
    kept.push_back(std::move(config.sources[i]));
  }
  config.sources = std::move(kept);
  if (listen_addresses) config.web.listen_addresses.clear();
  if (locations != nullptr) {
    std::erase_if(locations->at, [&](const auto& entry) {
      if (entry.first.starts_with("sources[")) return true;
      if (listen_addresses && entry.first.starts_with("web.listen_addresses")) return true;
      for (const auto& [name, value] : options.settings) {
        const Flag* flag = find_flag(name);
        if (!flag->list && entry.first == flag->key) return true;
      }
      return false;
    });
    locations->at.merge(moved);
  }
  for (const auto& [name, value] : options.settings) find_flag(name)->apply(config, value);
}

std::vector<std::string> load_configuration(const Options& options, Config& config) {
  config = Config{};
  ConfigLocations locations;
  std::vector<std::string> errors;
  if (!options.config_file.empty()) {
    errors = load_config_file(options.config_file, config, &locations);
  }
  const bool file_failed = !errors.empty();
  apply_flags(options, config, &locations);
  for (const auto& problem : validate(config, options.once)) {
    // A file in error lost the sources it had: "no log to read" would only repeat it.
    if (file_failed && problem.key == "sources") continue;
    std::string line = locations.describe(problem.key, problem.what);
    if (std::find(errors.begin(), errors.end(), line) == errors.end()) {
      errors.push_back(std::move(line));
    }
  }
  if (!errors.empty()) return errors;
  // What only reading the files it names can tell: the catalog's tables, and the web
  // configuration with its certificate and key.
  build_catalog(config.catalog, errors);
  std::shared_ptr<const WebSecurity> web;
  if (!config.web.config_file.empty()) {
    try {
      web = load_web_security(config.web.config_file);
    } catch (const WebConfigError& e) {
      errors.emplace_back(e.what());
    }
  }
  for (const auto& source : config.sources) {
    if (source.target.starts_with("tls://") && !(web && web->tls)) {
      errors.push_back(locations.describe(
          "sources", "source " + source.target +
                         " needs tls_server_config in the web configuration file "
                         "(--web.config.file)"));
    }
  }
  return errors;
}

std::string usage_text() {
  std::string text =
      "usage: tserver_exporter --source.file=GLOB [--source.file=GLOB ...] [flags]\n"
      "       tserver_exporter --config.file=FILE [flags]\n\n"
      "Counts the EventErrors that Genesys T-Servers send to their clients, by error code, from "
      "their log files,\nand serves the counts to Prometheus.\n\nFlags:\n";
  for (const auto& flag : flags()) {
    std::string left = "  --";
    left += flag.name;
    if (!flag.value_name.empty()) {
      left += '=';
      left += flag.value_name;
    }
    text += left;
    if (left.size() >= 34) text += '\n';
    text.append(left.size() < 34 ? 34 - left.size() : 34, ' ');
    // Wrap the help at 100 columns.
    std::string_view help = flag.help;
    std::size_t column = 34;
    while (!help.empty()) {
      const std::size_t space = help.find(' ');
      const std::string_view word = help.substr(0, space);
      if (column + 1 + word.size() > 100) {
        text += "\n" + std::string(34, ' ');
        column = 34;
      }
      if (column > 34) {
        text += ' ';
        ++column;
      }
      text += word;
      column += word.size();
      if (space == std::string_view::npos) break;
      help.remove_prefix(space + 1);
    }
    text += '\n';
  }
  text +=
      "\nExamples:\n"
      "  tserver_exporter --source.file='/logs/TServer_SfB_01.*.log'\n"
      "  tserver_exporter --once --source.file='/logs/*.log'   # yesterday's counts, then exit\n"
      "  tserver_exporter --config.file=/etc/tserver-exporter/tserver_exporter.yml "
      "--config.check\n";
  return text;
}

}  // namespace tse
