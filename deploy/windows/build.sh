#!/usr/bin/env bash
# Cross-builds tserver_exporter.exe for x86-64 Windows with Debian's mingw-w64, from the same
# sources as the Linux build, statically linked, and leaves the MSI and the zip beside it.
#
#   deploy/windows/build.sh [BUILD_DIR]         (default build-windows; run as root)
#   deploy/windows/build.sh --deps-only         only the cross-built dependencies; prints their prefix
#
# Everything comes from Debian 12: the compiler (g++-mingw-w64-x86-64-posix), zlib
# (libz-mingw-w64-dev), Boost, spdlog and fmt as header-only libraries from /usr/include, and,
# built here from Debian's own source packages (a deb-src entry is added for them), OpenSSL,
# prometheus-cpp core, yaml-cpp, libxcrypt (bcrypt) and GoogleTest. The built dependencies are
# cached under /var/cache/tserver-exporter/windows/<key>, the key being a hash of everything that
# decides them; a cache is moved into place only once complete, so an interrupted run leaves none.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

deps_only=false
build_dir=build-windows
for arg in "$@"; do
  case $arg in
    --deps-only) deps_only=true ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) build_dir=$arg ;;
  esac
done
log() { echo "windows-build: $*" >&2; }

# --- 1. Debian packages --------------------------------------------------------------------
packages=(
  g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 mingw-w64-tools
  libz-mingw-w64-dev cmake ninja-build dpkg-dev make perl autoconf automake libtool pkg-config
  libboost-dev libspdlog-dev libfmt-dev googletest msitools wixl wine wine64 ca-certificates git
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -ne 0 ] || [ ! -f /etc/apt/sources.list.d/tserver-exporter-src.sources ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: missing packages or deb-src entry (${missing[*]:-deb-src}); run as root" >&2
    exit 1
  fi
fi
# --- 2. deb-src: the URIs of the machine's own bookworm entry, so no host is hard-coded -------
src_list=/etc/apt/sources.list.d/tserver-exporter-src.sources
if [ ! -f "$src_list" ]; then
  uris=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' \
           /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  if [ -z "$uris" ]; then
    uris=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  fi
  [ -n "$uris" ] || { echo "build.sh: found no bookworm entry in /etc/apt to copy for deb-src" >&2; exit 1; }
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uris" >"$src_list"
  apt_update=true
fi
if [ "${#missing[@]}" -ne 0 ] || [ "${apt_update:-false}" = true ]; then
  log "installing ${missing[*]:-nothing (deb-src entry added)}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ "${#missing[@]}" -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 3. the dependency cache ------------------------------------------------------------------
# Main archive versions (the security archive's sources answer 404, so OpenSSL is pinned).
versions=(openssl=3.0.20-1~deb12u2 prometheus-cpp=1.0.1-1 yaml-cpp=0.7.0+dfsg-8 libxcrypt=1:4.4.33-2)
toolchain=$here/mingw-w64-x86_64.cmake
cxx=x86_64-w64-mingw32-g++-posix
key=$( { sed -n '/^# --- 3/,/^# --- end of deps/p' "$0"; cat "$toolchain"; $cxx -dumpversion
         dpkg-query -W -f='${Version}' googletest; } | sha256sum | cut -c1-16)
cache_root=${TSE_WINDOWS_CACHE:-/var/cache/tserver-exporter/windows}
prefix=$cache_root/$key/prefix
jobs=${TSE_JOBS:-2}

build_deps() {
  local work=$cache_root/$key.tmp.$$
  rm -rf "$work"
  mkdir -p "$work/src" "$work/prefix"
  trap 'rm -rf "$work"' EXIT
  local P=$work/prefix
  cd "$work/src"
  log "fetching Debian sources: ${versions[*]}"
  apt-get source -qq "${versions[@]}" >/dev/null 2>&1  # unpacked, Debian's patches applied

  local tc=(-G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release
            -DCMAKE_INSTALL_PREFIX="$P" -DBUILD_SHARED_LIBS=OFF)
  export TSE_WINDOWS_PREFIX=$P

  log "OpenSSL (about 2 minutes on two cores)"
  (cd openssl-3.* &&
     ./Configure mingw64 --cross-compile-prefix=x86_64-w64-mingw32- no-shared no-tests \
       --prefix="$P" --libdir=lib >/dev/null &&
     make -s -j"$jobs" build_libs >/dev/null 2>&1 &&
     make -s install_dev >/dev/null)

  log "prometheus-cpp core"
  cmake -S prometheus-cpp-* -B b-prom "${tc[@]}" -DENABLE_PULL=OFF -DENABLE_PUSH=OFF \
    -DENABLE_COMPRESSION=OFF -DENABLE_TESTING=OFF -DUSE_THIRDPARTY_LIBRARIES=OFF \
    -DGENERATE_PKGCONFIG=OFF >/dev/null
  cmake --build b-prom -j"$jobs" >/dev/null
  cmake --install b-prom >/dev/null

  log "yaml-cpp"
  cmake -S yaml-cpp-* -B b-yaml "${tc[@]}" -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
    -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_BUILD_SHARED_LIBS=OFF >/dev/null
  cmake --build b-yaml -j"$jobs" >/dev/null
  cmake --install b-yaml >/dev/null

  log "GoogleTest (from /usr/src/googletest)"
  cmake -S /usr/src/googletest -B b-gtest "${tc[@]}" -Dgtest_disable_pthreads=OFF >/dev/null
  cmake --build b-gtest -j"$jobs" >/dev/null
  cmake --install b-gtest >/dev/null

  log "libxcrypt (bcrypt: \$2a\$ of Go, \$2b\$, \$2y\$ of htpasswd)"
  if (cd libxcrypt-* && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; } &&
        ./configure -q --host=x86_64-w64-mingw32 --prefix="$P" --disable-shared --enable-static \
          --disable-symvers --enable-hashes=bcrypt,bcrypt_a,bcrypt_y --enable-obsolete-api=no \
          --disable-failure-tokens --disable-werror >/dev/null 2>&1 &&
        make -s -j"$jobs" >/dev/null 2>&1 && make -s install >/dev/null 2>&1); then
    echo ON >"$P/have_xcrypt"
  else
    log "libxcrypt did not cross-build: basic_auth_users is refused on Windows"
    echo OFF >"$P/have_xcrypt"
  fi

  # Boost, spdlog and fmt are header-only: only their directories are let in, never the rest
  # of /usr/include (glibc's headers would shadow mingw's).
  mkdir -p "$P/host-include"
  ln -s /usr/include/boost /usr/include/spdlog /usr/include/fmt "$P/host-include/"

  rm -rf "$work/src"
  mkdir -p "$cache_root"
  trap - EXIT
  mv "$work" "$cache_root/$key"
  log "dependencies cached in $cache_root/$key"
}
# --- end of deps

if [ ! -f "$prefix/have_xcrypt" ]; then
  (build_deps)
fi
if $deps_only; then
  echo "$prefix"
  exit 0
fi

# --- 4. tserver_exporter.exe and its tests -----------------------------------------------------
export TSE_WINDOWS_PREFIX=$prefix
mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
# A build directory configured against other dependencies (an older cache key) starts afresh:
# CMake would keep finding the old libraries in its cache.
if [ -f "$build_dir/CMakeCache.txt" ] && ! grep -qF "$prefix/" "$build_dir/CMakeCache.txt"; then
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release -DTSE_BUILD_TESTS="${TSE_BUILD_TESTS:-ON}" >/dev/null
cmake --build "$build_dir" -j"$jobs"
exe=$build_dir/exporter/tserver_exporter.exe
# Statically linked: only Windows' own DLLs may be imported.
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ {print $3}' | sort -u)
allowed='^(ADVAPI32|bcrypt|CRYPT32|KERNEL32|msvcrt|api-ms-win-crt-.*|mswsock|USER32|WS2_32|PSAPI|GDI32|ole32|SHELL32|ntdll)\.dll$'
if unexpected=$(grep -viE "$allowed" <<<"$dlls"); then
  echo "build.sh: tserver_exporter.exe imports DLLs Windows lacks: $unexpected" >&2
  exit 1
fi
x86_64-w64-mingw32-strip -o "$build_dir/tserver_exporter.exe" "$exe"
log "built $build_dir/tserver_exporter.exe (imports: $(echo $dlls))"

# --- 5. the zip and the MSI, from one directory laid out as both install it --------------------
version=$(sed -n 's/^project(tserver_exporter VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || { echo "build.sh: no project(VERSION) in $root/CMakeLists.txt" >&2; exit 1; }
name=tserver_exporter-$version-windows-amd64
stage=$build_dir/package/tserver_exporter
rm -rf "$build_dir/package"
mkdir -p "$stage/prometheus" "$stage/grafana"
cp "$build_dir/tserver_exporter.exe" "$root/README.md" "$root/LICENSE" \
  "$root/config/tlib-error-codes.yml" "$stage/"
cp "$root/config/tserver_exporter.yml" "$stage/tserver_exporter.example.yml"
cp "$root/deploy/prometheus/tserver-exporter.rules.yml" "$stage/prometheus/"
cp "$root/deploy/grafana/tserver-exporter.json" "$stage/grafana/"
rm -f "$build_dir/$name.zip" "$build_dir/$name.msi"
(cd "$build_dir/package" && cmake -E tar cf "$build_dir/$name.zip" --format=zip tserver_exporter)
# wixl finds the files relative to the current directory only.
(cd "$stage" && wixl -a x64 -D Version="$version" -o "$build_dir/$name.msi" \
   "$here/tserver_exporter.wxs")
log "built $build_dir/$name.zip and $build_dir/$name.msi"
