#!/usr/bin/env bash
# From append to /metrics: the daemon (default flags: 250 ms poll interval) follows an empty
# folder; tse_latency appends EventErrors (code 57, shape A and then shape B, 40 each, 250 to 750
# ms apart, inside a 1 MB/s log) and scrapes every 2 ms until each shows. With --load, 50 more
# logs are written at 20 MB/s in total (tse_logwriter) all along, as in follow.sh.
#
#   tests/bench/latency.sh [--events 40] [--load] [--port 19058] [--build-dir DIR]
#                          [--work-dir DIR] [--no-build]
#
# Prints each probe's p50, p90, p99 and max, and how long the state file writes took (a scrape
# shows only counts already synced to disk); fails if an EventError never shows (5 s).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
events=40
load=0
port=19058
build_dir=$repo/build-bench
work_dir=${TMPDIR:-/tmp}/tse-bench
do_build=1
while [ $# -gt 0 ]; do
  case $1 in
    --events) events=$2; shift 2 ;;
    --load) load=1; shift ;;
    --port) port=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --work-dir) work_dir=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "latency.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
export LC_ALL=C

exporter=$build_dir/exporter/tserver_exporter
if [ "$do_build" = 1 ]; then
  bench_build "$repo" "$build_dir" tserver_exporter tse_logwriter tse_latency
fi

run=$work_dir/latency
rm -rf "$run"
mkdir -p "$run/logs" "$run/load" "$run/state"
daemon_pid=
writer_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$writer_pid" ]; then kill "$writer_pid" 2>/dev/null || true; fi
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$exporter" --source.file="$run/logs/*.log" --source.file="$run/load/*.log" \
  --web.listen-address="127.0.0.1:$port" --storage.path="$run/state" --log.level=error \
  2>"$run/daemon.stderr" &
daemon_pid=$!
if [ "$load" = 1 ]; then
  "$build_dir/tests/bench/tse_logwriter" --dir "$run/load" --files 50 --rate 20M --seconds 600 \
    2>"$run/writer.stderr" &
  writer_pid=$!
  sleep 2
fi
echo "exporter: $("$exporter" --version); load: $([ "$load" = 1 ] && echo "50 logs at 20 MB/s" || echo none)"
status=0
for shape in a b; do
  "$build_dir/tests/bench/tse_latency" --dir "$run/logs" --port "$port" --events "$events" \
    --shape "$shape" --seed "$([ "$shape" = a ] && echo 1 || echo 2)" >"$run/shape-$shape.txt" ||
    status=1
  tail -n 1 "$run/shape-$shape.txt"
done
# What the disk did meanwhile: a scrape shows only counts already synced to the state file.
curl -sf "http://127.0.0.1:$port/metrics" |
  awk '/^tserver_exporter_state_write_duration_seconds_(bucket|count|sum)/ {
         if ($1 ~ /_count/) n = $2; else if ($1 ~ /_sum/) sum = $2
         else if ($1 ~ /le="0.01"/) le10 = $2; else if ($1 ~ /le="0.1"/) le100 = $2
         else if ($1 ~ /le="0.25"/) le250 = $2; else if ($1 ~ /le="0.5"/) le500 = $2
       }
       END { printf "state file writes: %d, mean %.1f ms; over 10 ms: %d, 100 ms: %d, 250 ms: %d, 500 ms: %d\n",
             n, n ? 1000 * sum / n : 0, n - le10, n - le100, n - le250, n - le500 }'
exit "$status"
