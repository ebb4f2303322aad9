// tserver_exporter: wires the command line to the exporter; all the work is in the library.
#include <cstdio>
#include <iostream>
#include <system_error>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/exporter.h"
#include "daemon/options.h"
#include "daemon/version.h"
#include "web/web_config.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tse::Options options;
  try {
    options = tse::parse_options(args);
  } catch (const tse::UsageError& e) {
    std::cerr << "tserver_exporter: error: " << e.what() << "\n";
    return 2;
  }
  if (options.show_help) {
    std::cout << tse::usage_text();
    return 0;
  }
  if (options.show_version) {
    std::cout << "tserver_exporter " << tse::version() << " (revision " << tse::revision() << ")\n";
    return 0;
  }

  auto logger = spdlog::stderr_logger_mt("tserver_exporter");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(options.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);

  try {
    return options.once ? tse::run_once(options, std::cout) : tse::run_daemon(options);
  } catch (const tse::WebConfigError& e) {  // a bad --web.config.file: a usage error
    std::cerr << "tserver_exporter: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tserver_exporter: error: " << e.what() << "\n";
    return 1;
  }
}
