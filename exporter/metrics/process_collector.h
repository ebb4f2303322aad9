#pragma once

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace tse {

/// The `process_*` metrics every Prometheus client library exports (CPU seconds, resident and
/// virtual memory, open and maximum descriptors, start time), with the Go and Python clients'
/// names, types and help, read from the operating system (os/process_stats.h) when the
/// exposition is rendered: nothing is kept between scrapes.
///
/// Collect() may be called from any thread (the daemon calls it on the counting thread while
/// rendering); it holds no state.
class ProcessCollector : public prometheus::Collectable {
 public:
  [[nodiscard]] std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace tse
