#!/usr/bin/env bash
# A named source's first EventError pages, even when its first segment appears after the
# exporter started with the error already in it (issue 13), against a real Prometheus:
#   prometheus-late-segment.sh EXPORTER PROMETHEUS REPO_DIR
#
# 1. The exporter starts from a configuration file naming a file source `tserver: NAME` on an
#    empty folder: every code is exported at 0 for NAME before any log exists.
# 2. Prometheus scrapes the zeros (1 s interval, the production rules).
# 3. A segment holding a code-57 EventError is moved into the folder whole (as a copy from
#    another host lands): the exporter's first look at it already holds the error.
# Then the shipped TServerEventError57 fires for NAME, and the count is exact.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1 prometheus=$2 repo=$3
rules=$repo/deploy/prometheus/tserver-exporter.rules.yml
[ -x "$prometheus" ] || skip "prometheus not found (Debian package prometheus; deploy/install-deps.sh installs it)"
command -v jq >/dev/null || skip "jq not found (deploy/install-deps.sh installs it)"

tserver=TServer_SfB_LATE
mkdir -p "$tse_tmp/logs" "$tse_tmp/state" "$tse_tmp/staging"
cat >"$tse_tmp/exporter.yml" <<EOF
sources:
  - file: '$tse_tmp/logs/*.log'
    tserver: $tserver
EOF
start_exporter "$exporter" --config.file="$tse_tmp/exporter.yml" --storage.path="$tse_tmp/state" \
  --source.poll-interval=50ms
metrics="http://127.0.0.1:$EXPORTER_PORT/metrics"
exported_at_zero() {
  http_get "$metrics" 2>/dev/null |
    grep -q "^tserver_event_errors_total{error_code=\"57\",.*tserver=\"$tserver\"} 0\$"
}
wait_until 10 "the exporter serving code 57 at 0 for $tserver before any log exists" exported_at_zero
pass "code 57 at 0 for the named source $tserver before its first segment exists"

start_prometheus_on_exporter "$prometheus" "$rules"

zeros_scraped() {
  local n
  n=$(scalar "count_over_time(tserver_event_errors_total{tserver=\"$tserver\",error_code=\"57\"}[1m])")
  [ "$n" != none ] && [ "$n" -ge 2 ]
}
wait_until 20 "two scrapes of the zeros" zeros_scraped

# The segment, written elsewhere and moved in whole: its first EventError is already in it.
segment_name=ts_late.20251217_101500_123.log
segment_header "$tserver" "$segment_name" >"$tse_tmp/staging/$segment_name"
event_error 1 57 'Switch or T-Server did not respond in time' RequestMakeCall \
  >>"$tse_tmp/staging/$segment_name"
mv "$tse_tmp/staging/$segment_name" "$tse_tmp/logs/$segment_name"
echo "moved a segment with one EventError 57 in (after ${SECONDS} s)"

alerts_json=$tse_tmp/alerts.json
firing() {
  curl -sS --max-time 3 "$PROMETHEUS_API/alerts" >"$alerts_json" 2>/dev/null || return 1
  jq -e --arg t "$tserver" '[.data.alerts[] | select(.state == "firing")
      | select(.labels.alertname == "TServerEventError57" and .labels.tserver == $t)]
      | length == 1' "$alerts_json" >/dev/null
}
wait_until 25 "TServerEventError57 firing for $tserver" firing
pass "TServerEventError57 fires for $tserver after ${SECONDS} s"

counted() { [ "$(scalar "sum(tserver_event_errors_total{tserver=\"$tserver\"})")" = 1 ]; }
wait_until 10 "exactly 1 EventError counted for $tserver" counted
[ "$(scalar 'sum(tserver_event_errors_total)')" = 1 ] || fail "counts under another tserver label"
pass "exactly one EventError counted, under $tserver"

stop_process "$EXPORTER_PID"
[ "$STOPPED_RC" = 0 ] || fail "the exporter exited $STOPPED_RC on SIGTERM"
