#pragma once

#include <cstddef>

namespace tse::os {

/// Standard input and output as bytes: on Windows the C runtime would turn "\n" into "\r\n" on
/// the way out (and back on the way in), so `--once` would not print the same bytes as on
/// Linux. A no-op on POSIX. Called once, before anything is read or written.
void set_binary_stdio();

/// Reads up to `size` bytes of standard input, blocking: the count read, 0 at its end, -1 on
/// error (errno set). Retries on EINTR.
long read_stdin(char* into, std::size_t size);

}  // namespace tse::os
