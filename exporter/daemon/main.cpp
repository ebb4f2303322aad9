// tserver_exporter: wires the command line to the exporter; all the work is in the library.
#include <cstdio>
#include <iostream>
#include <system_error>

#include "daemon/exporter.h"
#include "daemon/options.h"
#include "daemon/version.h"
#include "logging/log_setup.h"

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

  tse::setup_logging({.level = options.log_level, .format = options.log_format});

  try {
    return options.once ? tse::run_once(options, std::cout) : tse::run_daemon(options);
  } catch (const std::exception& e) {
    std::cerr << "tserver_exporter: error: " << e.what() << "\n";
    return 1;
  }
}
