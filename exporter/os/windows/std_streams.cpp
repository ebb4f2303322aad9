// Windows implementation of os/std_streams.h.
#include "os/std_streams.h"

#include <fcntl.h>
#include <io.h>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cerrno>
#include <cstdio>

namespace tse::os {

void set_binary_stdio() {
  ::_setmode(::_fileno(stdin), _O_BINARY);
  ::_setmode(::_fileno(stdout), _O_BINARY);
}

long read_stdin(char* into, std::size_t size) {
  const HANDLE input = ::GetStdHandle(STD_INPUT_HANDLE);
  if (input == nullptr || input == INVALID_HANDLE_VALUE) return 0;  // no standard input at all
  DWORD read = 0;
  const DWORD want = size > 0x4000'0000 ? 0x4000'0000 : static_cast<DWORD>(size);
  if (::ReadFile(input, into, want, &read, nullptr)) return static_cast<long>(read);
  // The writer of a pipe closed its end: the input is over, as EOF on POSIX.
  if (::GetLastError() == ERROR_BROKEN_PIPE) return 0;
  errno = EIO;
  return -1;
}

}  // namespace tse::os
