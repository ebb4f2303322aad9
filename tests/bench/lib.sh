# shellcheck shell=bash
# Shared by the benchmark scripts (compare.sh, follow.sh, latency.sh); source it, do not run it.

# bench_build REPO BUILD_DIR TARGET...: configures BUILD_DIR as a CMake Release build (Ninja when
# there is one) if it is not configured yet, warns if it is another build type, and builds the
# targets (JOBS=n sets the parallelism; default: every CPU).
bench_build() {
  local repo=$1 build_dir=$2
  shift 2
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    local generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S "$repo" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  local build_type
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
  if [ "$build_type" != Release ]; then
    echo "$(basename "$0"): warning: $build_dir is a '$build_type' build, not Release" >&2
  fi
  cmake --build "$build_dir" --target "$@" -j "${JOBS:-$(nproc)}" >/dev/null
}
