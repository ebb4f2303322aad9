#!/usr/bin/env bash
# Runs every libFuzzer target of a -DTSE_FUZZ=ON build for a bounded time each, and fails on
# any crash, sanitizer report or broken invariant (the input is kept and printed).
#   tests/fuzz/run-fuzzers.sh BUILD_DIR [SECONDS_EACH] [TARGET...]
# Seeds: tests/fuzz/corpus/<target>/ (and tests/data/logs for the T-Server parsers). New
# inputs the fuzzer finds go to BUILD_DIR/fuzz/corpus/<target>/, crashes to
# BUILD_DIR/fuzz/artifacts/; the repository's corpus is never written.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=$1
seconds=${2:-20}
shift $(($# >= 2 ? 2 : 1))
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(tserver_log_fuzzer syslog_fuzzer log_grammar_fuzzer state_file_fuzzer
           http_request_fuzzer config_file_fuzzer)
fi

seeds() {
  echo "tests/fuzz/corpus/$1"
  case $1 in
    tserver_log_fuzzer | log_grammar_fuzzer) echo tests/data/logs tests/data/sample ;;
  esac
}

# Whole logs are slow to feed in small chunks: shorter inputs give more executions.
max_len() {
  case $1 in
    tserver_log_fuzzer) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

failed=()
mkdir -p "$build_dir/fuzz"
summary="$build_dir/fuzz/summary.txt"
printf '%-22s %8s %12s %8s %8s\n' target seconds executions cov ft > "$summary"
for target in "${targets[@]}"; do
  work="$build_dir/fuzz/corpus/$target"
  artifacts="$build_dir/fuzz/artifacts"
  log="$build_dir/fuzz/$target.log"
  mkdir -p "$work" "$artifacts"
  echo "-- $target: ${seconds} s"
  # shellcheck disable=SC2046
  if ! "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
      -max_len="$(max_len "$target")" -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$work" $(seeds "$target") \
      > "$log" 2>&1; then
    failed+=("$target")
    echo "!! $target failed; its log ends:"
    tail -n 60 "$log"
    for artifact in "$artifacts/$target"-*; do
      [ -e "$artifact" ] || continue
      echo "!! input $artifact ($(stat -c %s "$artifact") bytes):"
      od -A d -c "$artifact" | head -n 40
    done
  fi
  final=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
  printf '%-22s %8s %12s %8s %8s\n' "$target" "$seconds" "${runs:-?}" "${cov:-?}" "${ft:-?}" \
    >> "$summary"
done
cat "$summary"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
