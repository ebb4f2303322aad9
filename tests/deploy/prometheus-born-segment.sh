#!/usr/bin/env bash
# An UNNAMED source's first EventErrors page, against a real Prometheus: the T-Server's series
# is born with its errors in it (issue 15), and the shipped recording rule counts it.
#   prometheus-born-segment.sh EXPORTER PROMETHEUS REPO_DIR
#
# 1. The exporter follows `--source.file 'DIR/*.log'` on an empty folder: no T-Server name is
#    given, so no series of it exists before its first segment (the label comes from the
#    segment header's `Application name`).
# 2. Prometheus scrapes the exporter (1 s) for longer than the rules' window W.
# 3. A segment already holding two EventErrors 57 is moved into the folder whole: Prometheus's
#    first sample of the series is 2, and increase() would never see it.
# Then TServerEventError57 fires with the header's T-Server name, and its annotations say 2.
#
# The rules are the shipped file with the 5-minute window W made 15 s (every `[5m]` and
# `offset 5m`), so the test does not wait 5 minutes; the expressions are the shipped ones
# (checked: the variant with 15s turned back into 5m is the shipped file, byte for byte).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1 prometheus=$2 repo=$3
shipped=$repo/deploy/prometheus/tserver-exporter.rules.yml
[ -x "$prometheus" ] || skip "prometheus not found (Debian package prometheus; deploy/install-deps.sh installs it)"
command -v jq >/dev/null || skip "jq not found (deploy/install-deps.sh installs it)"

rules=$tse_tmp/rules-15s.yml
grep -q '15s' "$shipped" && fail "the shipped rules already say 15s: the variant below cannot be checked"
sed -e 's/\[5m\]/[15s]/g' -e 's/offset 5m/offset 15s/g' "$shipped" >"$rules"
sed -e 's/\[15s\]/[5m]/g' -e 's/offset 15s/offset 5m/g' "$rules" | cmp -s - "$shipped" ||
  fail "the 15 s variant is not the shipped rules with another window"
window_terms=$(sed -n '/record: tserver_error_code:tserver_event_errors:increase5m/,/^$/p' "$rules" |
  { grep -o 'offset 15s\|\[15s\]' || true; } | wc -l)
[ "$window_terms" = 4 ] || fail "expected 4 window terms in the recording rule, found $window_terms"

tserver=TServer_SfB_BORN
mkdir -p "$tse_tmp/logs" "$tse_tmp/state" "$tse_tmp/staging"
start_exporter "$exporter" --source.file="$tse_tmp/logs/*.log" --storage.path="$tse_tmp/state" \
  --source.poll-interval=50ms
metrics="http://127.0.0.1:$EXPORTER_PORT/metrics"
http_get "$metrics" | grep -q "tserver=\"$tserver\"" && fail "series of $tserver before any log"

start_prometheus_on_exporter "$prometheus" "$rules"
echo "exporter on :$EXPORTER_PORT, Prometheus at $PROMETHEUS_API (after ${SECONDS} s)"

# Prometheus had a successful scrape of the exporter W ago: term A of the rule may count a
# series born from now on.
scraped_a_window_ago() { [ "$(scalar 'up{job="tserver"} offset 15s')" = 1 ]; }
wait_until 30 "a successful scrape 15 s ago" scraped_a_window_ago
[ "$(scalar "count(tserver_event_errors_total{tserver=\"$tserver\"})")" = none ] ||
  fail "Prometheus has series of $tserver before its first segment"

# The segment, written elsewhere and moved in whole; its file name is not the T-Server's.
segment_name=sfb-born.20251217_101500_123.log
{
  segment_header "$tserver" "$segment_name"
  event_error 1 57 'Switch or T-Server did not respond in time' RequestMakeCall
  event_error 2 57 'Switch or T-Server did not respond in time' RequestAnswerCall
} >"$tse_tmp/staging/$segment_name"
mv "$tse_tmp/staging/$segment_name" "$tse_tmp/logs/$segment_name"
echo "moved a segment with two EventErrors 57 in (after ${SECONDS} s)"

alerts_json=$tse_tmp/alerts.json
firing() {
  curl -sS --max-time 3 "$PROMETHEUS_API/alerts" >"$alerts_json" 2>/dev/null || return 1
  jq -e '[.data.alerts[] | select(.state == "firing" and .labels.alertname == "TServerEventError57")]
         | length >= 1' "$alerts_json" >/dev/null
}
wait_until 20 "TServerEventError57 firing" firing
pass "TServerEventError57 fires after ${SECONDS} s"

alert=$(jq -c '[.data.alerts[] | select(.labels.alertname == "TServerEventError57")]' "$alerts_json")
jq -e --arg t "$tserver" '
    length == 1 and (.[0]
    | .labels == {alertname: "TServerEventError57", error_code: "57", severity: "page", tserver: $t}
    and (.value | tonumber) == 2
    and .annotations.summary == "\($t): EventError 57 (TERR_TIMEOUT) x2 in 5 minutes"
    and (.annotations.description | startswith("T-Server \($t) sent 2 EventError(s) with code 57 (TERR_TIMEOUT: "))
    and .annotations.runbook_url == "file:///usr/share/doc/tserver-exporter/README.md#tservereventerror57")' \
  <<<"$alert" >/dev/null || fail "TServerEventError57: labels, value or annotations wrong: $alert"
pass "one alert, labelled tserver=$tserver from the segment header, value 2, annotations saying x2"

# Prometheus never saw the series at 0: its first sample is the 2 it was born with.
first=$(query "tserver_event_errors_total{tserver=\"$tserver\",error_code=\"57\"}[1m]" |
  jq -r '.data.result[0].values[0][1] // "none"')
[ "$first" = 2 ] || fail "the first sample of the series is $first, not 2: the test shows nothing"
pass "the series was born at 2 (no sample at 0 before it)"

stop_process "$EXPORTER_PID"
[ "$STOPPED_RC" = 0 ] || fail "the exporter exited $STOPPED_RC on SIGTERM"
