#!/usr/bin/env bash
# `promtool check metrics` on a live scrape of the exporter must report nothing.
#   check-metrics.sh EXPORTER PROMTOOL SAMPLE_DIR
# The exporter reads a copy of the sample log from its first byte, so that the scrape holds
# non-zero counters of several codes next to the zeros, and every self-metric.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1 promtool=$2 sample_dir=$3
[ -x "$promtool" ] || skip "promtool not found (Debian package prometheus; deploy/install-deps.sh installs it)"

mkdir -p "$tse_tmp/logs" "$tse_tmp/state"
cp "$sample_dir"/*.log "$tse_tmp/logs/"
start_exporter "$exporter" --source.file="$tse_tmp/logs/*.log" --source.from-beginning \
  --storage.path="$tse_tmp/state" --source.poll-interval=50ms
base="http://127.0.0.1:$EXPORTER_PORT"

# The whole sample read and its last record flushed: the 236s are at its end.
counted() {
  http_get "$base/metrics" >"$tse_tmp/scrape.prom" 2>/dev/null || return 1
  grep -q '^tserver_event_errors_total{error_code="236",.*tserver="TServer_SfB_01"} 3$' \
    "$tse_tmp/scrape.prom"
}
wait_until 15 "the sample's three 236s counted" counted

http_get "$base/-/healthy" >/dev/null || fail "/-/healthy did not answer 200"

rc=0
"$promtool" check metrics <"$tse_tmp/scrape.prom" >"$tse_tmp/promtool.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tse_tmp/promtool.out" ]; then
  cat "$tse_tmp/promtool.out" >&2
  fail "promtool check metrics (exit $rc) on a live scrape"
fi
series=$(grep -vc '^#' "$tse_tmp/scrape.prom")
pass "promtool check metrics reports nothing on a live scrape of $series series"
