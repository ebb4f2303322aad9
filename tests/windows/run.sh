#!/usr/bin/env bash
# The Windows build's tests, on Linux: cross-builds with deploy/windows/build.sh, then runs under
# Debian's wine the unit and golden tests (ctest), and the end-to-end scripts beside this one.
#   tests/windows/run.sh [BUILD_DIR]      (default build-windows; as root on a fresh machine)
# Wine runs in a prefix of its own inside BUILD_DIR (never ~/.wine), with one persistent
# wineserver for the whole run: without it every wine start takes seconds and pipes can hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:-build-windows}
deploy/windows/build.sh "$build_dir"
build_dir=$(cd "$build_dir" && pwd)

export WINEPREFIX=$build_dir/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "windows-tests: creating the wine prefix $WINEPREFIX"
  wineboot -i >/dev/null 2>&1
fi
wineserver -p >/dev/null 2>&1 &
trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
ctest --test-dir "$build_dir" --output-on-failure --timeout 600
