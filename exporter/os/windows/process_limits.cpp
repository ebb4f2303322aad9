// Windows implementation of os/process_limits.h: a process has no limit on its handles but
// memory, so there is nothing to raise and no figure to size the file budget by.
#include "os/process_limits.h"

namespace tse::os {

std::optional<std::uint64_t> raise_open_file_limit() { return std::nullopt; }

}  // namespace tse::os
