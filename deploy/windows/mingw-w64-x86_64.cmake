# CMake toolchain for cross-building to x86-64 Windows with Debian's mingw-w64 (posix threads).
# Used by deploy/windows/build.sh for the dependencies and for tserver_exporter itself.
# TSE_WINDOWS_PREFIX (environment, because try_compile re-reads this file) names the prefix of
# the dependencies built from Debian's sources.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
# Appended, not set: CMake's own platform files add to this list.
list(APPEND CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
if(DEFINED ENV{TSE_WINDOWS_PREFIX})
  list(APPEND CMAKE_FIND_ROOT_PATH $ENV{TSE_WINDOWS_PREFIX})
  list(APPEND CMAKE_PREFIX_PATH $ENV{TSE_WINDOWS_PREFIX})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Tests run under wine (ctest runs each through it).
find_program(TSE_WINE NAMES wine wine64)
if(TSE_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TSE_WINE})
endif()
