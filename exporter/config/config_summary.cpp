#include "config/config_summary.h"

#include <chrono>

#include "catalog/catalog_table.h"
#include "catalog/error_catalog.h"

namespace tse {
namespace {

std::string duration(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  if (n % 3'600'000 == 0 && n > 0) return std::to_string(n / 3'600'000) + "h";
  if (n % 60'000 == 0 && n > 0) return std::to_string(n / 60'000) + "m";
  if (n % 1000 == 0 && n > 0) return std::to_string(n / 1000) + "s";
  return std::to_string(n) + "ms";
}

}  // namespace

std::string describe_config(const Config& config, const std::string& config_file) {
  std::string out =
      "configuration " + (config_file.empty() ? "(flags only)" : config_file) + " is valid\n";
  out += "sources:\n";
  for (const auto& source : config.sources) {
    static constexpr const char* kKinds[] = {"file", "stdin", "syslog", "tcp"};
    out += "  ";
    out += kKinds[static_cast<int>(source.kind)];
    if (!source.target.empty()) out += " " + source.target;
    out += source.tserver.empty() ? "  (tserver from the log)" : "  tserver " + source.tserver;
    out += "\n";
  }
  const Config defaults;
  if (config.from_beginning) out += "files present at start are read from their first byte\n";
  if (config.poll_interval != defaults.poll_interval) {
    out += "poll interval " + duration(config.poll_interval) + "\n";
  }
  if (config.request_timeout != defaults.request_timeout) {
    out += "request timeout " + duration(config.request_timeout) + "\n";
  }
  if (config.idle_flush != defaults.idle_flush) {
    out += "idle flush " + duration(config.idle_flush) + "\n";
  }
  out += "metrics at http://";
  for (std::size_t i = 0; i < config.web.listen_addresses.size(); ++i) {
    if (i > 0) out += ", http://";
    out += config.web.listen_addresses[i];
  }
  out += config.web.telemetry_path + "\n";
  if (!config.web.config_file.empty()) out += "web configuration " + config.web.config_file + "\n";
  out += "state file in " + config.storage.path + ", written every " +
         duration(config.storage.write_interval) + "\n";
  const LimitsConfig& l = config.limits;
  const LimitsConfig& d = defaults.limits;
  std::string limits;
  const auto limit = [&](const char* key, std::size_t value, std::size_t fallback) {
    if (value != fallback) limits += "  " + std::string(key) + ": " + std::to_string(value) + "\n";
  };
  limit("metrics_max_tservers", l.metrics_max_tservers, d.metrics_max_tservers);
  limit("source_max_tservers", l.source_max_tservers, d.source_max_tservers);
  limit("source_max_origins", l.source_max_origins, d.source_max_origins);
  limit("udp_receive_buffer", l.udp_receive_buffer, d.udp_receive_buffer);
  limit("max_streams", l.max_streams, d.max_streams);
  limit("max_open_files", l.max_open_files, d.max_open_files);
  limit("web_max_connections", l.web_max_connections, d.web_max_connections);
  out += limits.empty() ? "limits: the defaults\n" : "limits (not the defaults):\n" + limits;
  std::vector<std::string> unused;  // the configuration was checked before
  const auto catalog = build_catalog(config.catalog, unused);
  out += "catalog: " + std::to_string(catalog ? catalog->entries().size() : 0) + " codes (" +
         std::to_string(ErrorCatalog::builtin().entries().size()) + " built in), " +
         std::to_string(config.catalog.tables.size()) + " tables, " +
         std::to_string(config.catalog.codes.size()) + " codes of the configuration\n";
  for (const auto& table : config.catalog.tables) out += "  table " + table + "\n";
  out += "log level " + config.log.level + ", format " + config.log.format + "\n";
  return out;
}

}  // namespace tse
