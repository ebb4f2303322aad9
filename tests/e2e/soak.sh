#!/usr/bin/env bash
# The soak test (issue 11), by hand and not in CI: an hour of generated load on the real daemon
# (two logs rotating both ways, SIGKILL restarts every one to two minutes, a scraper checking
# every value, a UDP syslog flood in bursts), with its RSS and open descriptors sampled. Prints a
# line per minute and fails if a count is off or memory or descriptors grow.
#   tests/e2e/soak.sh [SECONDS] [BUILD_DIR]     (3600, build-soak)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-3600}
build_dir=${2:-$repo/build-soak}
# shellcheck source-path=SCRIPTDIR source=../bench/lib.sh
source "$repo/tests/bench/lib.sh"
bench_build "$repo" "$build_dir" tserver_exporter soak_tests
TSE_SOAK_SECONDS=$seconds "$build_dir/tests/soak_tests"
