# The libraries of the Windows cross-build (deploy/windows/build.sh), under the names the Linux
# build finds them by, so that exporter/ and tests/ need no branch of their own:
# - Boost (Asio, Beast), spdlog and fmt: header-only, from the build machine's /usr/include
#   through a folder that holds only them (TSE_WINDOWS_PREFIX/host-include), so that no glibc
#   header can shadow mingw's;
# - zlib from Debian's libz-mingw-w64-dev; OpenSSL, prometheus-cpp core, yaml-cpp, GoogleTest
#   and libxcrypt built by build.sh from Debian's source packages into TSE_WINDOWS_PREFIX.
# Everything static: the .exe needs no DLL beyond Windows' own.
if(NOT DEFINED ENV{TSE_WINDOWS_PREFIX})
  message(FATAL_ERROR "The Windows build is made by deploy/windows/build.sh (TSE_WINDOWS_PREFIX unset)")
endif()
set(TSE_WINDOWS_PREFIX $ENV{TSE_WINDOWS_PREFIX})

add_library(Boost::headers INTERFACE IMPORTED)
set_target_properties(Boost::headers PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${TSE_WINDOWS_PREFIX}/host-include
  # Asio on Windows: no deprecated Winsock names; Beast's SSL needs nothing more.
  INTERFACE_COMPILE_DEFINITIONS "BOOST_ALL_NO_LIB")
add_library(spdlog::spdlog INTERFACE IMPORTED)
set_target_properties(spdlog::spdlog PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES ${TSE_WINDOWS_PREFIX}/host-include
  # Debian's spdlog sets SPDLOG_FMT_EXTERNAL in its tweakme.h: fmt, header-only too.
  INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY")

set(CMAKE_THREAD_PREFER_PTHREAD ON)
find_package(Threads REQUIRED)
set(ZLIB_USE_STATIC_LIBS ON)
find_package(ZLIB REQUIRED)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(OPENSSL_ROOT_DIR ${TSE_WINDOWS_PREFIX})
find_package(OpenSSL REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)

# bcrypt for basic_auth_users, if libxcrypt cross-built (build.sh records whether it did).
file(READ ${TSE_WINDOWS_PREFIX}/have_xcrypt _have_xcrypt)
string(STRIP "${_have_xcrypt}" _have_xcrypt)
if(_have_xcrypt STREQUAL "ON")
  set(TSE_XCRYPT_LIBRARY ${TSE_WINDOWS_PREFIX}/lib/libcrypt.a)
  set(TSE_HAVE_XCRYPT ON)
else()
  set(TSE_XCRYPT_LIBRARY "")
  set(TSE_HAVE_XCRYPT OFF)
endif()
