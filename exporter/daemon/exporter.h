#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "config/config.h"
#include "http/landing_page.h"
#include "metrics/error_metrics.h"
#include "metrics/process_collector.h"
#include "metrics/self_metrics.h"
#include "pipeline/tserver_log_reader.h"
#include "source/file_tailer.h"
#include "state/state_store.h"

namespace tse {

/// The whole pipeline for a configuration: file source, T-Server parser, metrics registry.
/// Everything runs on the thread that calls it (the counting event loop's in daemon mode; the
/// HTTP thread only increments the scrape counter and hands out what `render` produced).
class Exporter {
 public:
  /// With `durable`, the counters and positions are restored from the state file in
  /// config.storage.path and kept there; without (one-shot mode), nothing is read or written.
  /// Every named source's T-Server (`tserver:`) has its series from the start, at 0.
  Exporter(const Config& config, bool durable);

  FileTailer& tailer() { return tailer_; }
  /// A reader for a network origin: lines up to `max_line_bytes`, labels through `admit`;
  /// with a `tserver` name (a named source), everything it reads is counted under that name.
  std::unique_ptr<StreamReader> make_reader(std::size_t max_line_bytes,
                                            std::function<bool(std::string_view)> admit,
                                            const std::string& tserver = {});
  SelfMetrics& self_metrics() { return self_; }

  /// The reader of standard input, with --source.stdin; else nullptr.
  StreamReader* stdin_reader() { return stdin_reader_.get(); }

  /// The metrics in the Prometheus text format. In durable mode, counts that are not on disk
  /// yet are written first: a scrape never shows a value that a crash could take back. The
  /// daemon's (durable mode's) exposition ends with the process_* metrics.
  std::string render();

  /// What the landing page shows of the T-Servers and the files, as counted now (call it right
  /// after render(), on the same thread, so that both show the same counts). The caller adds
  /// the title, the time and the listeners.
  [[nodiscard]] LandingView landing_view() const;

  /// Writes the state file if anything changed since the last write (durable mode).
  void save_state();

  /// Reload: follows the file sources of `next` (a glob kept keeps its position; see
  /// FileTailer::set_globs), with their tserver names, and gives every named source's T-Server
  /// its series at 0.
  void follow(const Config& next);
  ErrorMetrics& error_metrics() { return errors_; }

 private:
  TailerOptions tailer_options(const Config& config);

  // The tserver name of each file source's glob, which the tailer's readers look up.
  GlobNames glob_names_;
  // How every reader pairs requests with their answers (--source.request-timeout).
  tserver::AssemblerOptions assembler_options_;
  std::shared_ptr<prometheus::Registry> registry_;
  ErrorMetrics errors_;  // registered first: the exposition opens with the T-Server metrics
  SelfMetrics self_;
  std::optional<StateStore> store_;
  FileTailer tailer_;
  std::unique_ptr<StreamReader> stdin_reader_;
  // The daemon's process_* metrics, after the registry's; not in --once, whose output is the
  // logs' counts alone.
  std::optional<ProcessCollector> process_;
  std::string last_saved_;
  std::uint64_t saved_generation_ = 0;
};

/// `--once`: reads every file to its end, writes the exposition to `out`. Returns the exit code.
int run_once(const Config& config, std::ostream& out);

/// Reads the configuration again for a reload (the file, then the same command-line flags over
/// it): fills its argument and returns every error (none: it can run).
using ConfigReader = std::function<std::vector<std::string>(Config&)>;

/// What another thread needs of a running daemon: to stop it as SIGINT does (a Windows
/// service's control handler, a console's close), and to learn when it is ready.
class DaemonControl {
 public:
  /// Any thread: the daemon stops as on SIGINT (state saved), logging "`reason`; stopping". A
  /// request that comes before run_daemon can take it is kept, and run_daemon stops as soon as
  /// it has started.
  void request_stop(std::string reason);

  /// Called once, on the counting thread, when the daemon is ready (listening, state loaded,
  /// the files polled once): when /-/ready starts answering 200. Set before run_daemon.
  std::function<void()> on_ready;

  /// run_daemon's: how to stop it while it runs (posting to its event loop); an empty one when
  /// it returns. A kept request is passed on at once.
  void attach(std::function<void(std::string)> stop);

 private:
  std::mutex mutex_;
  std::function<void(std::string)> stop_;
  std::optional<std::string> pending_;
};

/// The daemon: follows the files on one thread and serves HTTP on another until SIGINT or
/// SIGTERM (or Ctrl+Break on Windows), or `control`'s request_stop(). `config` has passed
/// validate(). SIGHUP and `POST /-/reload` read the configuration again through `reread` and
/// apply what changed (without `reread`, they re-read nothing and succeed). Returns the exit
/// code; throws std::system_error when it cannot listen.
int run_daemon(const Config& config, ConfigReader reread = {}, DaemonControl* control = nullptr);

}  // namespace tse
