#include "daemon/options.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>
#include <utility>

namespace tse {
namespace {

struct Flag {
  std::string_view name;
  std::string_view value_name;  // empty for a boolean flag
  std::string_view help;
  std::function<void(Options&, const std::string&)> apply;
};

const std::vector<Flag>& flags() {
  static const std::vector<Flag> kFlags{{
      {"source.file", "GLOB",
       "T-Server log files to follow (repeatable). Segments of one T-Server "
       "(NAME.YYYYMMDD_HHMMSS_mmm.log) are read in order; *.snapshot.log, *.memory.log and *.qsp "
       "are never read.",
       [](Options& o, const std::string& v) {
         if (v.empty()) throw UsageError("--source.file needs a file name or glob");
         o.source_files.push_back(v);
       }},
      {"source.stdin", "",
       "Also read a T-Server log from standard input (e.g. `ssh host tail -F ... |`). Its "
       "tserver label is the Application name of a header block in it, else \"stdin\".",
       [](Options& o, const std::string&) { o.source_stdin = true; }},
      {"source.syslog", "URL",
       "Receive T-Server log lines as syslog (RFC 5424 or 3164), one line a message: "
       "udp://HOST:PORT or tcp://HOST:PORT (octet counting or LF framing). Labelled by the "
       "syslog app-name, else the hostname. An empty HOST is 127.0.0.1. Repeatable.",
       [](Options& o, const std::string& v) { o.source_syslog.push_back(v); }},
      {"source.tcp", "[NAME@]HOST:PORT",
       "Receive raw T-Server log lines over TCP, one stream a connection, labelled NAME (else "
       "\"tcp\") unless the stream has a header block. An empty HOST is 127.0.0.1. Repeatable.",
       [](Options& o, const std::string& v) { o.source_tcp.push_back(v); }},
      {"source.from-beginning", "",
       "Read the files present at start from their first byte (default: from their end; files "
       "that appear later are always read from their first byte).",
       [](Options& o, const std::string&) { o.from_beginning = true; }},
      {"source.poll-interval", "DURATION", "How often to look for new files and new bytes. (250ms)",
       [](Options& o, const std::string& v) {
         o.poll_interval = parse_duration("--source.poll-interval", v);
         if (o.poll_interval.count() <= 0) throw UsageError("--source.poll-interval must be > 0");
       }},
      {"source.idle-flush", "DURATION",
       "A log quiet for this long has its last record closed and counted. (1s)",
       [](Options& o, const std::string& v) {
         o.idle_flush = parse_duration("--source.idle-flush", v);
       }},
      {"source.max-streams", "N",
       "At most N log streams (a T-Server's segments in one directory) followed from "
       "--source.file; the files of more are not read (tserver_exporter_files_refused). (1024)",
       [](Options& o, const std::string& v) {
         o.max_streams = parse_count("--source.max-streams", v, 1, 1000000);
       }},
      {"source.max-open-files", "N",
       "At most N descriptors for followed log files; more files are read in turn. 0: what the "
       "descriptor limit (raised to its hard limit at start) leaves after 64, "
       "--web.max-connections and 256 for each TCP listener. (0)",
       [](Options& o, const std::string& v) {
         o.max_open_files = parse_count("--source.max-open-files", v, 0, 1000000);
       }},
      {"source.max-tservers", "N",
       "At most N distinct tserver labels per --source.syslog or --source.tcp listener; lines "
       "of more are dropped and counted. (64)",
       [](Options& o, const std::string& v) {
         o.max_tservers = parse_count("--source.max-tservers", v, 1, 100000);
       }},
      {"source.max-origins", "N",
       "At most N origins (a TCP connection or UDP sender, with the syslog hostname and "
       "app-name) held per --source.syslog or --source.tcp listener; past it, the one silent "
       "longest is closed (its open record counted) to make room. (1024)",
       [](Options& o, const std::string& v) {
         o.max_origins = parse_count("--source.max-origins", v, 1, 1'000'000);
       }},
      {"source.udp-receive-buffer", "BYTES",
       "The receive buffer asked of the kernel for each UDP listener, in bytes (or with KiB, "
       "MiB), where bursts wait; the kernel grants at most net.core.rmem_max. (4MiB)",
       [](Options& o, const std::string& v) {
         std::size_t scale = 1;
         std::string digits = v;
         for (const auto& [suffix, factor] : {std::pair{"KiB", 1u << 10}, std::pair{"MiB", 1u << 20}}) {
           if (digits.ends_with(suffix)) {
             digits.resize(digits.size() - 3);
             scale = factor;
           }
         }
         std::size_t n = 0;
         try {
           n = parse_count("", digits, 1, (std::size_t{1} << 30) / scale);
         } catch (const UsageError&) {
           n = 0;
         }
         if (n * scale < 4096) {
           throw UsageError("--source.udp-receive-buffer takes a size from 4096 to 1073741824 "
                            "bytes, or with KiB or MiB (got \"" + v + "\")");
         }
         o.udp_receive_buffer = n * scale;
       }},
      {"storage.path", "DIR",
       "Directory of the state file: the counters and where each log was read up to, so that a "
       "restart neither loses nor repeats a count. (data)",
       [](Options& o, const std::string& v) {
         if (v.empty()) throw UsageError("--storage.path needs a directory");
         o.storage_path = v;
       }},
      {"storage.write-interval", "DURATION",
       "How often the state file is written while logs are read; it is also written before "
       "every scrape that would show new counts, and at shutdown. (5s)",
       [](Options& o, const std::string& v) {
         o.write_interval = parse_duration("--storage.write-interval", v);
         if (o.write_interval.count() <= 0) {
           throw UsageError("--storage.write-interval must be > 0");
         }
       }},
      {"web.listen-address", "ADDRESS", "Address to serve metrics on: HOST:PORT or :PORT. (:10057)",
       [](Options& o, const std::string& v) { o.listen_address = v; }},
      {"web.telemetry-path", "PATH", "Path under which to serve metrics. (/metrics)",
       [](Options& o, const std::string& v) {
         if (v.empty() || v.front() != '/' || v == "/" || v == "/-/healthy") {
           throw UsageError("--web.telemetry-path must start with / and not be / or /-/healthy");
         }
         o.telemetry_path = v;
       }},
      {"web.max-connections", "N",
       "At most N HTTP connections open at once; past it the one idle longest (else one whose "
       "answer is not taken for 2s) is closed to let a new one in, and a 503 answers when all "
       "are busy. Idle connections close after 30s. (64)",
       [](Options& o, const std::string& v) {
         o.web_max_connections = parse_count("--web.max-connections", v, 1, 100000);
       }},
      {"web.config.file", "FILE",
       "exporter-toolkit web configuration file: TLS (also for tls:// sources), basic "
       "authentication, response headers. Read at start (an invalid one exits 2). (none: plain "
       "HTTP)",
       [](Options& o, const std::string& v) {
         if (v.empty()) throw UsageError("--web.config.file needs a file");
         o.web_config_file = v;
       }},
      {"metrics.max-tservers", "N",
       "At most N distinct tserver labels in all (every source); the counts of more go to "
       "tserver=\"other\" and are counted in tserver_exporter_tservers_capped_total. (256)",
       [](Options& o, const std::string& v) {
         o.metrics_max_tservers = parse_count("--metrics.max-tservers", v, 1, 100000);
       }},
      {"log.level", "LEVEL", "Log level: debug, info, warn or error. (info)",
       [](Options& o, const std::string& v) {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           throw UsageError("--log.level must be one of debug, info, warn, error (got \"" + v +
                            "\")");
         }
         o.log_level = v;
       }},
      {"once", "",
       "Read the files from their first byte to their end, print the metrics to standard output "
       "and exit.",
       [](Options& o, const std::string&) { o.once = true; }},
      {"version", "", "Print the version and exit.",
       [](Options& o, const std::string&) { o.show_version = true; }},
      {"help", "", "Print this help and exit.",
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

std::size_t parse_count(const std::string& flag, const std::string& text, std::size_t min,
                        std::size_t max) {
  std::size_t used = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text.front() < '0' || text.front() > '9' || n < min ||
      n > max) {
    throw UsageError(flag + " takes a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + " (got \"" + text + "\")");
  }
  return static_cast<std::size_t>(n);
}

std::chrono::milliseconds parse_duration(const std::string& flag, const std::string& text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && number < 1'000'000'000) {
    number = number * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  }
  const std::string_view unit = std::string_view(text).substr(i);
  const auto n = static_cast<std::int64_t>(number);
  if (i > 0) {
    if (unit == "ms") return std::chrono::milliseconds(n);
    if (unit == "s") return std::chrono::seconds(n);
    if (unit == "m") return std::chrono::minutes(n);
    if (unit == "h") return std::chrono::hours(n);
  }
  throw UsageError(flag + " takes a duration such as 250ms, 5s or 1m (got \"" + text + "\")");
}

Options parse_options(const std::vector<std::string>& args) {
  Options options;
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
      flag->apply(options, {});
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
      value = args[++i];
    }
    flag->apply(options, *value);
  }
  if (!options.show_help && !options.show_version && options.source_files.empty() &&
      !options.source_stdin && options.source_syslog.empty() && options.source_tcp.empty()) {
    throw UsageError("no log to read; give one or more --source.file=GLOB, or --source.stdin");
  }
  if (options.once && (!options.source_syslog.empty() || !options.source_tcp.empty())) {
    throw UsageError("--once reads files and standard input only, not --source.syslog or "
                     "--source.tcp");
  }
  return options;
}

std::string usage_text() {
  std::string text =
      "usage: tserver_exporter --source.file=GLOB [--source.file=GLOB ...] [flags]\n\n"
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
      "  tserver_exporter --once --source.file='/logs/*.log'   # yesterday's counts, then exit\n";
  return text;
}

}  // namespace tse
