#pragma once

#include <string>

#include "config/config.h"

namespace tse {

/// What a valid configuration would run, for `--config.check`: the sources with their T-Server
/// names, where metrics are served, the storage, the limits that differ from the defaults, the
/// size of the error catalog. Several lines, each ending in a newline. Pure; any thread.
std::string describe_config(const Config& config, const std::string& config_file);

}  // namespace tse
