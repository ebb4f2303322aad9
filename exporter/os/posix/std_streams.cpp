// POSIX implementation of os/std_streams.h.
#include "os/std_streams.h"

#include <unistd.h>

#include <cerrno>

namespace tse::os {

void set_binary_stdio() {}

long read_stdin(char* into, std::size_t size) {
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, into, size);
    if (n >= 0 || errno != EINTR) return static_cast<long>(n);
  }
}

}  // namespace tse::os
