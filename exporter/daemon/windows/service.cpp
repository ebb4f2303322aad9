// Windows implementation of daemon/windows/service.h.
#include "daemon/windows/service.h"

#include <windows.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <utility>

#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/win_eventlog_sink.h>
#include <spdlog/spdlog.h>

#include "logging/log_setup.h"
#include "os/atomic_file.h"
#include "os/default_paths.h"
#include "os/path.h"
#include "os/windows/wide_path.h"

namespace tse::windows {
namespace {

// The name the MSI registers, also the event log's source. A service of its own process is
// dispatched whatever it was installed as (`sc create` in the tests uses other names).
constexpr wchar_t kServiceName[] = L"tserver_exporter";
constexpr char kEventSource[] = "tserver_exporter";

// The state the SCM sees, set from the service's thread and the control handler's.
class ServiceStatus {
 public:
  bool register_handler(LPHANDLER_FUNCTION_EX handler, void* context) {
    handle_ = ::RegisterServiceCtrlHandlerExW(kServiceName, handler, context);
    return handle_ != nullptr;
  }

  // A pending state tells the SCM how long until the next report (`wait_hint_ms`): past it,
  // without progress, the SCM takes the service for hung.
  void set(DWORD state, DWORD wait_hint_ms = 0, int exit_code = 0) {
    const std::lock_guard lock(mutex_);
    if (status_.dwCurrentState == SERVICE_STOPPED && state != SERVICE_STOPPED) return;
    // Once stopping, a late "ready" must not report RUNNING again.
    if (status_.dwCurrentState == SERVICE_STOP_PENDING && state == SERVICE_RUNNING) return;
    status_.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status_.dwCurrentState = state;
    status_.dwControlsAccepted =
        state == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PRESHUTDOWN
            : 0;
    status_.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
    status_.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
    status_.dwWaitHint = wait_hint_ms;
    status_.dwCheckPoint =
        state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING ? ++checkpoint_ : 0;
    ::SetServiceStatus(handle_, &status_);
  }

 private:
  std::mutex mutex_;
  SERVICE_STATUS_HANDLE handle_ = nullptr;
  SERVICE_STATUS status_{};
  DWORD checkpoint_ = 0;
};

struct Service {
  const std::function<int(DaemonControl&)>* run = nullptr;
  ServiceStatus status;
  DaemonControl control;
  int exit_code = 0;
};
// ServiceMain takes no context: the one service of the process.
Service* the_service = nullptr;

DWORD WINAPI handle_control(DWORD control, DWORD, void*, void* context) {
  auto& service = *static_cast<Service*>(context);
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
    case SERVICE_CONTROL_PRESHUTDOWN:
      service.status.set(SERVICE_STOP_PENDING, 15'000);
      service.control.request_stop(control == SERVICE_CONTROL_STOP ? "service stop requested"
                                                                   : "system shutting down");
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI service_main(DWORD, LPWSTR*) {
  Service& service = *the_service;
  if (!service.status.register_handler(handle_control, &service)) {
    service.exit_code = 1;
    return;
  }
  // Reading the configuration and the state file, binding, polling once: 30 s is generous.
  service.status.set(SERVICE_START_PENDING, 30'000);
  service.control.on_ready = [&service] { service.status.set(SERVICE_RUNNING); };
  service.exit_code = (*service.run)(service.control);
  service.status.set(SERVICE_STOPPED, 0, service.exit_code);
}

std::string log_file() {
  const std::string base = os::program_data_directory();
  return (base.empty() ? std::string("logs") : base + "\\logs") + "\\tserver_exporter.log";
}

// The DaemonControl a console close stops, and the event that says the daemon has returned.
DaemonControl* console_control = nullptr;
HANDLE console_done = nullptr;

BOOL WINAPI handle_console(DWORD event) {
  if (event != CTRL_CLOSE_EVENT && event != CTRL_LOGOFF_EVENT && event != CTRL_SHUTDOWN_EVENT) {
    return FALSE;  // Ctrl+C, Ctrl+Break: the C runtime's handler raises SIGINT, SIGBREAK
  }
  console_control->request_stop(event == CTRL_CLOSE_EVENT    ? "console closed"
                                : event == CTRL_LOGOFF_EVENT ? "user logging off"
                                                             : "system shutting down");
  // Returning lets Windows end the process: not before the state is saved, nor past the ~5 s
  // after which it ends it anyway.
  ::WaitForSingleObject(console_done, 4'500);
  return TRUE;
}

}  // namespace

int run_service(const std::function<int(DaemonControl&)>& run) {
  Service service;
  service.run = &run;
  the_service = &service;
  // The table's name is not const in the API, but is only read.
  const SERVICE_TABLE_ENTRYW table[] = {{const_cast<LPWSTR>(kServiceName), service_main},
                                        {nullptr, nullptr}};
  if (!::StartServiceCtrlDispatcherW(table)) {
    const DWORD error = ::GetLastError();
    std::cerr << "tserver_exporter: error: --windows.service: "
              << (error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
                      ? "not started by the Service Control Manager; run without it in a console"
                      : "StartServiceCtrlDispatcher failed with error " + std::to_string(error))
              << "\n";
    return 2;
  }
  the_service = nullptr;
  return service.exit_code;
}

void setup_service_logging(const LogConfig& log) {
  auto sinks = std::make_shared<spdlog::sinks::dist_sink_mt>();
  std::string file_error;
  try {
    sinks->add_sink(
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(log_file(), 10u << 20, 5));
  } catch (const spdlog::spdlog_ex& e) {  // the event log still says why
    file_error = e.what();
  }
  // Unregistered (no MSI), the source still writes, with a "description not found" preamble.
  auto events = std::make_shared<spdlog::sinks::win_eventlog_sink_mt>(kEventSource);
  events->set_level(spdlog::level::warn);
  sinks->add_sink(std::move(events));
  spdlog::set_default_logger(make_logger(log, std::move(sinks)));
  if (!file_error.empty()) spdlog::error("cannot log to {}: {}", log_file(), file_error);
}

ConsoleCloseStop::ConsoleCloseStop(DaemonControl& control) {
  console_control = &control;
  console_done = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  ::SetConsoleCtrlHandler(handle_console, TRUE);
}

ConsoleCloseStop::~ConsoleCloseStop() {
  // The handler may be waiting on its thread: the event stays, Windows ends the process.
  ::SetEvent(console_done);
}

int install_config(const std::string& file) {
  std::string error;
  if (!os::make_private_directory(std::string(os::directory(file)), error)) {
    std::cerr << "tserver_exporter: error: " << error << "\n";
    return 1;
  }
  std::wstring self(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length =
        ::GetModuleFileNameW(nullptr, self.data(), static_cast<DWORD>(self.size()));
    if (length < self.size()) {
      self.resize(length);
      break;
    }
    self.resize(self.size() * 2);
  }
  const std::string example =
      std::string(os::directory(os::to_utf8(self))) + "\\tserver_exporter.example.yml";
  // Fails on an existing file: the user's configuration is never overwritten.
  if (::CopyFileW(os::to_native_path(example).c_str(), os::to_native_path(file).c_str(), TRUE)) {
    std::cout << "created " << file << " from " << example << "\n";
    return 0;
  }
  const DWORD code = ::GetLastError();
  if (code == ERROR_FILE_EXISTS) {
    std::cout << "kept " << file << "\n";
    return 0;
  }
  std::cerr << "tserver_exporter: error: cannot copy " << example << " to " << file << " (error "
            << code << ")\n";
  return 1;
}

}  // namespace tse::windows
