#include "metrics/process_collector.h"

#include <optional>
#include <string>

#include "os/process_stats.h"

namespace tse {
namespace {

void add(std::vector<prometheus::MetricFamily>& families, const char* name, const char* help,
         prometheus::MetricType type, std::optional<double> value) {
  if (!value) return;  // not known here: left out, never shown as 0
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = *value;
  } else {
    metric.gauge.value = *value;
  }
  families.push_back({.name = name, .help = help, .type = type, .metric = {metric}});
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const os::ProcessStats stats = os::process_stats();
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  // In client_golang's order (alphabetical).
  add(families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      MetricType::Counter, stats.cpu_seconds);
  add(families, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
      stats.max_fds);
  add(families, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
      stats.open_fds);
  add(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
      MetricType::Gauge, stats.resident_bytes);
  add(families, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
      stats.start_time_seconds);
  add(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
      stats.virtual_bytes);
  return families;
}

}  // namespace tse
