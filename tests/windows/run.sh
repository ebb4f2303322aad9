#!/usr/bin/env bash
# The Windows build's tests, on Linux: cross-builds with deploy/windows/build.sh, then runs under
# Debian's wine the unit and golden tests (ctest), the service and the MSI (service_msi.sh), and
# the shipped .exe end to end against the Linux build's output (e2e.sh).
#   tests/windows/run.sh [BUILD_DIR] [LINUX_BUILD_DIR]
# BUILD_DIR defaults to build-windows, LINUX_BUILD_DIR to build (tests/run-all.sh's, which must
# have been built). Run as root on a fresh machine: it installs what it needs.
# Wine runs in a prefix of its own inside BUILD_DIR (never ~/.wine), with one persistent
# wineserver for the whole run: without it every wine start takes seconds and pipes can hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:-build-windows}
linux_exe=${2:-build}/exporter/tserver_exporter
if [ ! -x "$linux_exe" ]; then
  echo "windows-tests: $linux_exe is missing: build Linux first (tests/run-all.sh)" >&2
  exit 2
fi
deploy/windows/build.sh "$build_dir"  # installs the compiler, wine and msitools if missing
build_dir=$(cd "$build_dir" && pwd)
# What the test scripts use beside wine.
missing=()
for p in curl perl python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -ne 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export WINEPREFIX=$build_dir/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "windows-tests: creating the wine prefix $WINEPREFIX"
  wineboot -i >/dev/null 2>&1
  wineserver -w  # else a second services.exe may start beside the persistent server's
fi
wineserver -p >/dev/null 2>&1 &
# One program kept running in the prefix for the whole run, its output on /dev/null: wine starts
# its services (services.exe, winedevice...) with the first program of a prefix and stops them
# after the last, and they inherit that program's output; started by a test, they would hold
# ctest's pipe open for as long as they live, and ctest would wait for them.
sleep 3600 | wine cmd >/dev/null 2>&1 &
keeper=$!
# And one run to its end with the same output, so that the services are up before ctest starts
# (the keeper may not have started them yet): whichever of the two starts them, not a test.
wine cmd /c exit </dev/null >/dev/null 2>&1
trap 'kill $keeper 2>/dev/null || true; wineserver -k >/dev/null 2>&1 || true' EXIT
ctest --test-dir "$build_dir" --output-on-failure --timeout 600
kill $keeper 2>/dev/null || true
wineserver -k >/dev/null 2>&1 || true
# Each script below runs wine in a prefix of its own, and stops its own wineserver.
tests/windows/service_msi.sh "$build_dir"
tests/windows/e2e.sh "$build_dir/tserver_exporter.exe" "$linux_exe"
