// POSIX implementation of os/default_paths.h.
#include "os/default_paths.h"

namespace tse::os {

std::string default_state_directory() { return "data"; }

}  // namespace tse::os
