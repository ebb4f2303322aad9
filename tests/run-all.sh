#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   tests/run-all.sh [BUILD_DIR] [extra cmake arguments...]
# Default: a Release build in build/. CI also runs it with -DTSE_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
deploy/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j2
ctest --test-dir "$build_dir" -j2 --output-on-failure --timeout 300
