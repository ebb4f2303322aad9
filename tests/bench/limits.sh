#!/bin/bash
# The label and memory limits under the attacks of issue 11, for one binary (e.g. a build of
# main and a build of this branch). Not in CI: about a minute and 1 GB of temp space.
#
#   tests/bench/limits.sh BINARY
#
# Prints, per attack: series in the exposition, its size, the binary's peak RSS (--once), and
# for the T-Servers one a daemon scrape's time.
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'kill "${daemon:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

header() { printf 'Application name:\t%s\nApplication type:\tTServer\n\n' "$1"; }
event_error() {  # CODE SEQ
  printf '@10:15:24.8070 [0] 8.5.001.23 send_to_client: message EventError\n'
  printf '\tAttributeEventSequenceNumber\t%016x\n\tAttributeErrorCode\t%d\n' "$2" "$1"
  printf '2025-12-17T10:15:24.807 Trc 04542 EventError sent to [724] (0000002a WDE_01 x)\n'
}
once() {  # NAME GLOB: series, exposition bytes, peak RSS
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" --once --source.file="$2" >"$work/out" 2>/dev/null
  printf '%-28s series %7d  exposition %6d KB  peak RSS %6d MB\n' "$1" \
    "$(grep -vc '^#' "$work/out")" "$(($(stat -c %s "$work/out") / 1024))" \
    "$(($(cat "$work/rss") / 1024))"
}

# 1. 10,000 T-Servers, a file each, one EventError each.
mkdir "$work/ts"
for i in $(seq 10000); do
  { header "TS_$i"; event_error 57 1; } >"$work/ts/TS_$i.log"
done
once "10,000 T-Servers" "$work/ts/*.log"
"$bin" --source.file="$work/ts/*.log" --source.from-beginning --storage.path="$work/state" \
  --web.listen-address=127.0.0.1:19157 2>/dev/null &
daemon=$!
total=$(cat "$work"/ts/*.log | wc -c)
until curl -sf localhost:19157/metrics | grep -q "^tserver_exporter_bytes_read_total $total\$"; do
  sleep 0.5  # the backlog read
done
for i in 1 2; do
  printf '%-28s scrape %s s\n' "" "$(curl -s -o /dev/null -w '%{time_total}' localhost:19157/metrics)"
done
kill "$daemon"
wait "$daemon" 2>/dev/null || true
rm -rf "$work/ts" "$work/state"

# 2. 100,000 ISCC codes from one T-Server.
mkdir "$work/iscc"
{
  header TS_ISCC
  for i in $(seq 100000); do
    printf '@10:45:14.1340 [0] 8.5.001.23 distribute_event: message ISCCEventError\n'
    printf '\tAttributeEventSequenceNumber\t%016x\n\tAttributeErrorCode\t%d\n' "$i" "$((1000 + i))"
    printf '2025-12-17T10:45:14.134 Trc 04542 ISCCEventError sent to [812] (00000031 URS_01 x)\n'
  done
} >"$work/iscc/TS_ISCC.log"
once "100,000 ISCC codes" "$work/iscc/*.log"
rm -rf "$work/iscc"

# 3. 300 segments of 1 MB without a LF, then one EventError.
mkdir "$work/seg"
for i in $(seq 300); do
  name=$(printf 'TS_SEG.20251217_%06d_000.log' "$i")
  { header TS_SEG; head -c 1000000 /dev/zero | tr '\0' x; } >"$work/seg/$name"
done
{ header TS_SEG; printf '\n'; event_error 57 1; } >"$work/seg/TS_SEG.20251217_999999_000.log"
once "300 x 1 MB tails without LF" "$work/seg/*.log"
grep -E '^tserver_event_errors_total\{error_code="57".*TS_SEG|lines_skipped_total\{reason="too_long"' \
  "$work/out" | sed 's/^/    /'
