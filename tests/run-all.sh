#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
#   tests/run-all.sh [BUILD_DIR] [--exclude=REGEX] [--exclude-label=LABEL] [--targets=T1,T2]
#                    [extra cmake arguments...]
# Default: a Release build in build/. CI also runs it with -DTSE_SANITIZE=ON and -DTSE_TSAN=ON;
# --exclude and --exclude-label skip the ctest tests they match (ctest -E, -LE), --targets
# builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
ctest_args=()
build_args=()
cmake_args=()
for arg in "$@"; do
  case $arg in
    --exclude=*) ctest_args+=(-E "${arg#--exclude=}") ;;
    --exclude-label=*) ctest_args+=(-LE "${arg#--exclude-label=}") ;;
    --targets=*) IFS=, read -ra targets <<<"${arg#--targets=}" && build_args+=(--target "${targets[@]}") ;;
    *) cmake_args+=("$arg") ;;
  esac
done
deploy/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${cmake_args[@]+"${cmake_args[@]}"} >/dev/null
cmake --build "$build_dir" -j2 ${build_args[@]+"${build_args[@]}"}
ctest --test-dir "$build_dir" -j2 --output-on-failure --timeout 300 ${ctest_args[@]+"${ctest_args[@]}"}
