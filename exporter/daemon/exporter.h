#pragma once

#include <memory>
#include <ostream>
#include <string>

#include <prometheus/registry.h>

#include "daemon/options.h"
#include "metrics/error_metrics.h"
#include "metrics/self_metrics.h"
#include "source/file_tailer.h"

namespace tse {

/// The whole pipeline for a set of options: file source, T-Server parser, metrics registry.
/// Everything runs on the thread that calls it (the event loop's in daemon mode).
class Exporter {
 public:
  explicit Exporter(const Options& options);

  FileTailer& tailer() { return tailer_; }

  /// The metrics in the Prometheus text format.
  std::string render();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  ErrorMetrics errors_;  // registered first: the exposition opens with the T-Server metrics
  SelfMetrics self_;
  FileTailer tailer_;
};

/// `--once`: reads every file to its end, writes the exposition to `out`. Returns the exit code.
int run_once(const Options& options, std::ostream& out);

/// The daemon: follows the files and serves HTTP until SIGINT or SIGTERM. Returns the exit code;
/// throws std::system_error when it cannot listen.
int run_daemon(const Options& options);

}  // namespace tse
