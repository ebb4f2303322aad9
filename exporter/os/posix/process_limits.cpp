// POSIX implementation of os/process_limits.h.
#include "os/process_limits.h"

#include <sys/resource.h>

namespace tse::os {

std::optional<std::uint64_t> raise_open_file_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t soft = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = soft;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace tse::os
