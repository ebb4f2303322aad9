// tserver_exporter: wires the command line to the exporter; all the work is in the library.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <spdlog/spdlog.h>

#ifdef _WIN32
#include <windows.h>

#include "daemon/windows/service.h"
#include "os/windows/wide_path.h"
#endif

#include "config/config_summary.h"
#include "daemon/exporter.h"
#include "daemon/options.h"
#include "daemon/version.h"
#include "logging/log_setup.h"
#include "os/std_streams.h"
#include "web/web_config.h"

namespace {

// Exit codes: 0 done; 1 a failure while running (a port in use); 2 a command-line or
// configuration error, which a restart cannot fix (the systemd unit's RestartPreventExitStatus).
constexpr int kRunFailed = 1;
constexpr int kBadConfiguration = 2;

// A run of the daemon, or of --once, with its configuration: `service` under the Service
// Control Manager (Windows), where nothing reads standard error and the errors go to the log.
int run(const tse::Options& options, tse::DaemonControl* control, bool service) {
  const auto fail = [service](int code, const std::string& what) {
    if (service) {
      spdlog::error("{}", what);
    } else {
      std::cerr << "tserver_exporter: error: " << what << "\n";
    }
    return code;
  };
  tse::Config config;
  const std::vector<std::string> errors = tse::load_configuration(options, config);
  if (!errors.empty()) {
    for (const auto& error : errors) fail(kBadConfiguration, error);
    return kBadConfiguration;
  }
  if (options.config_check) {
    std::cout << tse::describe_config(config, options.config_file);
    return 0;
  }
#ifdef _WIN32
  if (service) {
    for (const auto& source : config.sources) {
      if (source.kind == tse::SourceConfig::Kind::kStdin) {
        return fail(kBadConfiguration,
                    "a stdin source cannot run as a Windows service: a service has no standard "
                    "input");
      }
    }
    tse::windows::setup_service_logging(config.log);
  } else {
    tse::setup_logging(config.log);
  }
  // Closing the console, logging off, shutting down: the graceful stop Ctrl+C makes.
  std::optional<tse::windows::ConsoleCloseStop> console_close;
  if (!service && !options.once) console_close.emplace(*control);
#else
  tse::setup_logging(config.log);
#endif
  tse::os::set_binary_stdio();  // --once prints the same bytes on every system

  try {
    return options.once ? tse::run_once(config, std::cout)
                        : tse::run_daemon(
                              config,
                              [&options](tse::Config& next) {
                                return tse::load_configuration(options, next);
                              },
                              control);
  } catch (const tse::UsageError& e) {  // a catalog table that changed since it was checked
    return fail(kBadConfiguration, e.what());
  } catch (const tse::WebConfigError& e) {  // a bad web configuration file: a usage error
    return fail(kBadConfiguration, e.what());
  } catch (const std::exception& e) {
    return fail(kRunFailed, e.what());
  }
}

int run_cli(const std::vector<std::string>& args) {
  tse::Options options;
  try {
    options = tse::parse_options(args);
  } catch (const tse::UsageError& e) {
    std::cerr << "tserver_exporter: error: " << e.what() << "\n";
    return kBadConfiguration;
  }
  if (options.show_help) {
    std::cout << tse::usage_text();
    return 0;
  }
  if (options.show_version) {
    std::cout << "tserver_exporter " << tse::version() << " (revision " << tse::revision() << ")\n";
    return 0;
  }
#ifdef _WIN32
  if (!options.windows_install_config.empty()) {
    return tse::windows::install_config(options.windows_install_config);
  }
  if (options.windows_service) {
    return tse::windows::run_service([&options](tse::DaemonControl& control) {
      // Until the configuration says otherwise, the log's defaults: its errors are the log's.
      tse::windows::setup_service_logging(tse::LogConfig{});
      return run(options, &control, /*service=*/true);
    });
  }
#endif
  tse::DaemonControl control;
  return run(options, &control, /*service=*/false);
}

}  // namespace

#ifdef _WIN32
// Windows hands the arguments over in UTF-16 (wmain, linked with -municode): converted to the
// UTF-8 the exporter uses everywhere, whatever the console's code page.
int wmain(int argc, wchar_t** argv) {
  ::SetConsoleOutputCP(CP_UTF8);
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.push_back(tse::os::to_utf8(argv[i]));
  return run_cli(args);
}
#else
int main(int argc, char** argv) { return run_cli(std::vector<std::string>(argv + 1, argv + argc)); }
#endif
