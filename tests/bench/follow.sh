#!/usr/bin/env bash
# The daemon in follow mode: N T-Server logs (default 50) written at a total rate (default
# 20 MB/s) by tse_logwriter while the daemon follows them; reports the daemon's CPU use over a
# window (utime + stime from /proc/PID/stat), its peak RSS, the /metrics latency under
# `wrk -t2 -c50 -d10s --latency` (loopback only) while it ingests, asking for gzip as Prometheus
# does and then without, then with one wrk thread instead of two (`-t1 -c50`, gzip: on 2 cores,
# wrk's second thread takes CPU from the daemon), and checks at the end that its counts equal
# the writer's. Also one connection (`wrk -t1 -c1 -d5s`, gzip).
#
#   tests/bench/follow.sh [--files 50] [--rate 20M] [--window 15] [--port 19057]
#                         [--build-dir DIR] [--work-dir DIR] [--no-build]
#
# Timeline: daemon starts on an empty folder; the writer creates the files and writes for
# 5 + window + 1 + 10 + 10 + 10 + 5 + 2 seconds; CPU is measured over [5, 5 + window] s (no wrk),
# then wrk runs for 10 s with 50 connections asking for gzip (CPU measured again), 10 s with 50
# connections without gzip, 10 s with 50 connections on one thread, then 5 s with one
# connection; when the writer stops, the daemon's idle flush closes the last records and its
# counts must equal the writer's.
# Needs wrk and curl (Debian packages). On a 2-core machine wrk's two threads compete with the
# daemon and the writer: the latency figures are an upper bound.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
files=50
rate=20M
window=15
port=19057
build_dir=$repo/build-bench
work_dir=${TMPDIR:-/tmp}/tse-bench
do_build=1
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --work-dir) work_dir=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "follow.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
export LC_ALL=C
for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "follow.sh: $tool is missing: apt-get install $tool" >&2
    exit 1
  fi
done

exporter=$build_dir/exporter/tserver_exporter
writer=$build_dir/tests/bench/tse_logwriter
if [ "$do_build" = 1 ]; then
  bench_build "$repo" "$build_dir" tserver_exporter tse_logwriter
fi

run=$work_dir/follow
rm -rf "$run"
mkdir -p "$run/logs" "$run/state"
daemon_pid=
writer_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$writer_pid" ]; then kill "$writer_pid" 2>/dev/null || true; fi
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$exporter" --source.file="$run/logs/*.log" --web.listen-address="127.0.0.1:$port" \
  --storage.path="$run/state" --log.level=warn 2>"$run/daemon.stderr" &
daemon_pid=$!
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null && break
  sleep 0.1
done
if ! curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null; then
  echo "follow.sh: the daemon did not start:" >&2
  cat "$run/daemon.stderr" >&2
  exit 1
fi

ticks=$(getconf CLK_TCK)
cpu_ticks() { sed 's/^.*) //' "/proc/$daemon_pid/stat" | awk '{ print $12 + $13 }'; }
now() { echo "${EPOCHREALTIME}"; }

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)," \
  "$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "exporter: $("$exporter" --version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

seconds=$((5 + window + 1 + 10 + 10 + 10 + 5 + 2))
"$writer" --dir "$run/logs" --files "$files" --rate "$rate" --seconds "$seconds" \
  2>"$run/writer.stderr" &
writer_pid=$!

sleep 5
c0=$(cpu_ticks); t0=$(now)
sleep "$window"
c1=$(cpu_ticks); t1=$(now)
rss_before_wrk=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon_pid/status")
sleep 1
c2=$(cpu_ticks); t2=$(now)
gzip=(-H 'Accept-Encoding: gzip')
wrk -t2 -c50 -d10s --latency "${gzip[@]}" "http://127.0.0.1:$port/metrics" >"$run/wrk.txt"
c3=$(cpu_ticks); t3=$(now)
wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$port/metrics" >"$run/wrk-identity.txt"
wrk -t1 -c50 -d10s --latency "${gzip[@]}" "http://127.0.0.1:$port/metrics" >"$run/wrk-t1.txt"
wrk -t1 -c1 -d5s --latency "${gzip[@]}" "http://127.0.0.1:$port/metrics" >"$run/wrk1.txt"
wait "$writer_pid"
writer_pid=
sleep 3  # a poll (250 ms) and the idle flush (1 s) close the last records

curl -sf "http://127.0.0.1:$port/metrics" >"$run/metrics.txt"
rss_peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon_pid/status")
rss_now=$(awk '/^VmRSS/ { print $2 }' "/proc/$daemon_pid/status")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "writer: $(cat "$run/writer.stderr")"

awk -v c0="$c0" -v c1="$c1" -v c2="$c2" -v c3="$c3" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    -v t3="$t3" -v hz="$ticks" 'BEGIN {
  printf "daemon CPU while ingesting: %.1f%% of one core over %.1f s (no scrapes)\n",
         100 * (c1 - c0) / hz / (t1 - t0), t1 - t0
  printf "daemon CPU while ingesting and serving wrk: %.1f%% of one core over %.1f s\n",
         100 * (c3 - c2) / hz / (t3 - t2), t3 - t2
}'
echo "daemon RSS: peak $((rss_before_wrk / 1024)) MiB before wrk, $((rss_peak / 1024)) MiB with wrk's" \
  "50 connections, $((rss_now / 1024)) MiB at the end"
echo "/metrics size: $(wc -c <"$run/metrics.txt") bytes ($(curl -sf -H 'Accept-Encoding: gzip' \
  "http://127.0.0.1:$port/metrics" | wc -c) gzipped), $(grep -vc '^#' "$run/metrics.txt") series"
echo "wrk -t2 -c50 -d10s --latency -H 'Accept-Encoding: gzip' http://127.0.0.1:$port/metrics:"
sed -n '/Thread Stats/,/Transfer/p' "$run/wrk.txt" | sed 's/^/    /'
echo "the same without gzip:"
sed -n '/Latency Distribution/,/Requests\/sec/p' "$run/wrk-identity.txt" | sed 's/^/    /'
echo "the same with gzip, one wrk thread (-t1 -c50):"
sed -n '/Latency Distribution/,/Requests\/sec/p' "$run/wrk-t1.txt" | sed 's/^/    /'
echo "wrk -t1 -c1 -d5s --latency -H 'Accept-Encoding: gzip' (one connection):"
sed -n '/Latency Distribution/,/Requests\/sec/p' "$run/wrk1.txt" | sed 's/^/    /'

# Counts: the daemon's against the writer's. Codes outside the catalog (the codes of
# tserver_error_code_info) share a limit of 100 series across all T-Servers, past which they are
# counted as error_code="other", in whatever order the files were read: they are compared as one
# "unlisted" sum per T-Server.
catalog=$(awk '/^tserver_error_code_info\{/ {
    match($0, /error_code="[^"]*"/); printf "%s ", substr($0, RSTART + 12, RLENGTH - 13) }' \
  "$run/metrics.txt")
fold_unlisted() {
  awk -v catalog="$catalog" 'BEGIN { FS = OFS = "\t"; n = split(catalog, c, " "); for (i = 1; i <= n; i++) listed[c[i]] = 1 }
    { code = $2; if (code != "unknown" && !(code in listed)) code = "unlisted"; sum[$1 OFS code] += $3 }
    END { for (k in sum) print k, sum[k] }' | sort
}
grep -v '^#' "$run/logs/expected.tsv" | fold_unlisted >"$run/expected.tsv"
awk '/^tserver_event_errors_total\{/ {
    value = $NF + 0
    if (value == 0) next
    match($0, /tserver="[^"]*"/); ts = substr($0, RSTART + 9, RLENGTH - 10)
    match($0, /error_code="[^"]*"/); code = substr($0, RSTART + 12, RLENGTH - 13)
    printf "%s\t%s\t%d\n", ts, code, value
  }' "$run/metrics.txt" | fold_unlisted >"$run/actual.tsv"
capped=$(awk '/^tserver_exporter_error_codes_capped_total/ { printf "%d", $NF + 0 }' "$run/metrics.txt")
bytes=$(sed -n 's/^#!\ttserver_exporter_bytes_read_total\t//p' "$run/logs/expected.tsv")
read_bytes=$(awk '/^tserver_exporter_bytes_read_total/ { printf "%d", $NF + 0 }' "$run/metrics.txt")
status=0
if diff -u "$run/expected.tsv" "$run/actual.tsv" >"$run/counts.diff"; then
  echo "counts: equal to the writer's ($(wc -l <"$run/expected.tsv") series, unlisted codes summed;" \
    "$capped EventErrors past the limit of unlisted codes; bytes read $read_bytes of $bytes)"
else
  echo "counts: DIFFER from the writer's (bytes read $read_bytes of $bytes; - expected, + daemon):"
  head -n 40 "$run/counts.diff"
  status=1
fi
if grep -q . "$run/daemon.stderr"; then
  echo "daemon warnings:"
  head -n 10 "$run/daemon.stderr" | sed 's/^/    /'
fi
exit "$status"
