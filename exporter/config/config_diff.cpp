#include "config/config_diff.h"

#include <algorithm>

namespace tse {
namespace {

bool contains(const std::vector<SourceConfig>& sources, const SourceConfig& source) {
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

}  // namespace

bool ConfigDiff::empty() const {
  return sources_added.empty() && sources_removed.empty() && !catalog_changed && !limits_changed &&
         !storage_changed && !web_changed && !log_changed && needs_restart.empty();
}

ConfigDiff diff(const Config& old, const Config& next) {
  ConfigDiff out;
  for (const auto& source : next.sources) {
    (contains(old.sources, source) ? out.sources_kept : out.sources_added).push_back(source);
  }
  for (const auto& source : old.sources) {
    if (!contains(next.sources, source)) out.sources_removed.push_back(source);
  }
  out.catalog_changed = old.catalog != next.catalog;
  out.limits_changed = old.limits != next.limits;
  out.storage_changed = old.storage != next.storage;
  out.web_changed = old.web != next.web;
  out.log_changed = old.log != next.log;

  auto& restart = out.needs_restart;
  const auto stdin_in = [](const std::vector<SourceConfig>& sources) {
    return std::any_of(sources.begin(), sources.end(), [](const SourceConfig& source) {
      return source.kind == SourceConfig::Kind::kStdin;
    });
  };
  if (stdin_in(out.sources_added) || stdin_in(out.sources_removed)) {
    restart.push_back(
        "sources: stdin is read from the start to its end; it cannot be added, "
        "removed or renamed while running");
  }
  if (old.from_beginning != next.from_beginning) {
    restart.push_back(
        "from_beginning: decides only how the files present at the first start "
        "are read");
  }
  if (old.poll_interval != next.poll_interval) restart.push_back("poll_interval: needs a restart");
  if (old.idle_flush != next.idle_flush) restart.push_back("idle_flush: needs a restart");
  if (old.request_timeout != next.request_timeout) {
    restart.push_back("request_timeout: needs a restart");
  }
  const LimitsConfig& a = old.limits;
  const LimitsConfig& b = next.limits;
  // metrics_max_tservers is applied (ErrorMetrics::set_limits); the others size parts built at
  // start (a listener added by a reload takes the new per-listener limits).
  if (a.source_max_tservers != b.source_max_tservers) {
    restart.push_back("limits.source_max_tservers: needs a restart for the listeners running");
  }
  if (a.source_max_origins != b.source_max_origins) {
    restart.push_back("limits.source_max_origins: needs a restart for the listeners running");
  }
  if (a.udp_receive_buffer != b.udp_receive_buffer) {
    restart.push_back("limits.udp_receive_buffer: needs a restart for the listeners running");
  }
  if (a.max_streams != b.max_streams) restart.push_back("limits.max_streams: needs a restart");
  if (a.max_open_files != b.max_open_files) {
    restart.push_back("limits.max_open_files: needs a restart");
  }
  if (a.web_max_connections != b.web_max_connections) {
    restart.push_back("limits.web_max_connections: needs a restart");
  }
  if (old.storage.path != next.storage.path) restart.push_back("storage.path: needs a restart");
  if (old.storage.write_interval != next.storage.write_interval) {
    restart.push_back("storage.write_interval: needs a restart");
  }
  if (old.web.listen_addresses != next.web.listen_addresses) {
    restart.push_back("web.listen_addresses: needs a restart");
  }
  if (old.web.telemetry_path != next.web.telemetry_path) {
    restart.push_back("web.telemetry_path: needs a restart");
  }
  if (old.web.config_file != next.web.config_file) {
    restart.push_back(
        "web.config_file: another file needs a restart (the file in force is "
        "re-read at every reload)");
  }
  return out;
}

}  // namespace tse
