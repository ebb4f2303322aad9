#pragma once

#include <functional>
#include <string>

#include "config/config.h"
#include "daemon/exporter.h"

// The Windows glue of the daemon (deploy/windows/PORTING.md §4): the service under the Service
// Control Manager, its logging, the console's close, the MSI's first configuration. The only
// place of daemon/ that includes <windows.h>.
namespace tse::windows {

/// `--windows.service`: hands the main thread to the Service Control Manager
/// (StartServiceCtrlDispatcherW) and calls `run` on the service's thread with the DaemonControl
/// the SCM's stop, shutdown and preshutdown controls go to. START_PENDING until `run`'s daemon is
/// ready, RUNNING, STOP_PENDING once asked to stop, STOPPED when `run` returns: with the
/// service-specific exit code `run` returned if not 0 (2: a bad configuration). Returns that code;
/// 2 if the process was not started by the SCM (a console).
int run_service(const std::function<int(DaemonControl&)>& run);

/// The service's log: `log`'s format and level to
/// %ProgramData%\tserver_exporter\logs\tserver_exporter.log (10 MiB, 5 files kept), and the
/// warnings and errors also to the Application event log (source "tserver_exporter"). Replaces the
/// default logger: called on the service's thread before the daemon's threads start.
void setup_service_logging(const LogConfig& log);

/// For the console program: closing its window, logging off and shutting down (which Windows
/// announces to consoles alone, not as signals) stop `control`'s daemon gracefully, and Windows
/// waits (up to 4.5 s of its 5) until this object is destroyed: once run_daemon returned, the
/// state saved. Ctrl+C and Ctrl+Break are left to run_daemon's signal_set.
class ConsoleCloseStop {
 public:
  explicit ConsoleCloseStop(DaemonControl& control);
  ~ConsoleCloseStop();
  ConsoleCloseStop(const ConsoleCloseStop&) = delete;
  ConsoleCloseStop& operator=(const ConsoleCloseStop&) = delete;
};

/// `--windows.install-config=FILE`: copies tserver_exporter.example.yml from beside the running
/// executable to FILE, creating FILE's directory, unless FILE exists (an upgrade or reinstall
/// keeps the user's configuration). Returns the exit code: 0 copied or kept, 1 with the reason on
/// standard error.
int install_config(const std::string& file);

}  // namespace tse::windows
