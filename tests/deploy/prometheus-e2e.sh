#!/usr/bin/env bash
# The exporter and the alert rules against a real Prometheus server, on loopback, in < 60 s.
#   prometheus-e2e.sh EXPORTER PROMETHEUS REPO_DIR
#
# 1. The exporter follows a temp dir holding one segment with only its header block: every code
#    is exported at 0 for the T-Server of the header.
# 2. Prometheus (1 s scrape and evaluation interval) scrapes it with the production rules
#    (deploy/prometheus/tserver-exporter.rules.yml: the 57 and 236 alerts have no `for`).
# 3. Once Prometheus holds the zeros, EventErrors 57, 236 and 56 are appended to the segment.
# Then, through the HTTP API: the 57 and 236 alerts fire once each with the T-Server, code,
# name and description; sum(tserver_event_errors_total) is what was written; increase() over
# the first scrape window that holds an error sees it; every rule evaluates without error (the
# answer-time ticket's query too, and the answer times are exact);
# every expr of the Grafana dashboard evaluates.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

exporter=$1 prometheus=$2 repo=$3
rules=$repo/deploy/prometheus/tserver-exporter.rules.yml
dashboard=$repo/deploy/grafana/tserver-exporter.json
[ -x "$prometheus" ] || skip "prometheus not found (Debian package prometheus; deploy/install-deps.sh installs it)"
command -v jq >/dev/null || skip "jq not found (deploy/install-deps.sh installs it)"

tserver=TServer_SfB_E2E
segment_name=ts_e2e.20251217_101500_123.log   # the header's name wins over the file's
mkdir -p "$tse_tmp/logs" "$tse_tmp/state"
segment=$tse_tmp/logs/$segment_name
segment_header "$tserver" "$segment_name" >"$segment"

start_exporter "$exporter" --source.file="$tse_tmp/logs/*.log" --storage.path="$tse_tmp/state" \
  --source.poll-interval=50ms
metrics="http://127.0.0.1:$EXPORTER_PORT/metrics"
exported_at_zero() {
  http_get "$metrics" 2>/dev/null |
    grep -q "^tserver_event_errors_total{error_code=\"57\",.*tserver=\"$tserver\"} 0\$"
}
wait_until 10 "the exporter serving code 57 at 0 for $tserver" exported_at_zero

# Prometheus, scraping every second with the production rules.
start_prometheus_on_exporter "$prometheus" "$rules"
api=$PROMETHEUS_API
echo "exporter on :$EXPORTER_PORT, Prometheus at $api (after ${SECONDS} s)"

# Prometheus holds at least two samples of the zero before anything is written.
zeros_scraped() {
  local n
  n=$(scalar "count_over_time(tserver_event_errors_total{tserver=\"$tserver\",error_code=\"57\"}[1m])")
  [ "$n" != none ] && [ "$n" -ge 2 ]
}
wait_until 20 "two scrapes of the zeros" zeros_scraped
[ "$(scalar "sum(tserver_event_errors_total)")" = 0 ] || fail "counts before anything was written"
early=$(curl -sS --max-time 3 "$api/alerts" |
  jq '[.data.alerts[] | select(.labels.alertname | startswith("TServerEventError"))] | length')
[ "$early" = 0 ] || fail "$early EventError alerts before any EventError"

# The EventErrors: two 57s, three 236s, one 56 (which pages nothing).
{
  event_error 1 57 'Switch or T-Server did not respond in time' RequestMakeCall
  event_error 2 236 'Timeout performing operation' RequestMakeCall
  event_error 3 236 'Timeout performing operation' RequestHoldCall
  event_error 4 56 'Invalid connection ID' RequestReleaseCall
  event_error 5 57 'Switch or T-Server did not respond in time' RequestAnswerCall
  event_error 6 236 'Timeout performing operation' RequestMakeCall
} >>"$segment"
written=6
echo "appended $written EventErrors (after ${SECONDS} s)"

# Both alerts fire.
alerts_json=$tse_tmp/alerts.json
both_firing() {
  curl -sS --max-time 3 "$api/alerts" >"$alerts_json" 2>/dev/null || return 1
  [ "$(jq '[.data.alerts[] | select(.state == "firing")
            | select(.labels.alertname == "TServerEventError57" or .labels.alertname == "TServerEventError236")]
           | length' "$alerts_json")" -ge 2 ]
}
wait_until 25 "the 57 and 236 alerts firing" both_firing
echo "both alerts firing after ${SECONDS} s"

# check_alert NAME CODE ERROR_NAME DESCRIPTION: exactly one such alert, labelled by the
# T-Server and the code alone (the name and description are in the annotations).
check_alert() {
  local name=$1 code=$2 error_name=$3 description=$4
  local alerts
  alerts=$(jq -c --arg n "$name" '[.data.alerts[] | select(.labels.alertname == $n)]' "$alerts_json")
  [ "$(jq length <<<"$alerts")" = 1 ] || fail "$name: expected one alert, got $alerts"
  jq -e --arg n "$name" --arg t "$tserver" --arg c "$code" --arg e "$error_name" --arg d "$description" '
      .[0] | .state == "firing"
      and .labels == {alertname: $n, tserver: $t, error_code: $c, severity: "page"}
      and (.annotations.summary | startswith("\($t): EventError \($c) (\($e)) x"))
      and (.annotations.description | contains("(\($e): \($d))"))
      and (.annotations.runbook_url | endswith("#" + ($n | ascii_downcase)))' <<<"$alerts" >/dev/null ||
    fail "$name: labels or annotations wrong: $alerts"
}
check_alert TServerEventError57 57 TERR_TIMEOUT "Switch or T-Server did not respond in time."
check_alert TServerEventError236 236 "Timeout performing operation" \
  "Request failed as no response from Connector (hence from SfB) for requested service received during timeout."
pass "TServerEventError57 and TServerEventError236 firing, once each, with the T-Server, code, name, description and runbook"

# The total is what was written (the last records are counted after the idle flush).
all_counted() { [ "$(scalar 'sum(tserver_event_errors_total)')" = "$written" ]; }
wait_until 10 "sum(tserver_event_errors_total) == $written" all_counted
for expect in 57:2 236:3 56:1; do
  code=${expect%%:*}
  n=$(scalar "sum(tserver_event_errors_total{tserver=\"$tserver\",error_code=\"$code\"})")
  [ "$n" = "${expect#*:}" ] || fail "code $code: $n counted, ${expect#*:} written"
done
pass "sum(tserver_event_errors_total) == $written, per code as written"

# increase() over the first scrape window that holds an error: the pre-initialised 0 is the
# sample before it, so the first error is an increase. (Without that 0 the series would start
# at its first count, and increase() would see nothing.)
samples=$(query "tserver_event_errors_total{tserver=\"$tserver\",error_code=\"236\"}[5m]" |
  jq -c '.data.result[0].values')
first=$(jq '[.[] | .[1] | tonumber > 0] | index(true)' <<<"$samples")
if [ "$first" = null ] || [ "$first" -lt 1 ]; then
  fail "no zero sample before the first 236: $samples"
fi
t_zero=$(jq -r ".[$((first - 1))][0]" <<<"$samples")
t_first=$(jq -r ".[$first][0]" <<<"$samples")
first_value=$(jq -r ".[$first][1]" <<<"$samples")
window_ms=$(jq -n "(($t_first - $t_zero) * 1000 | round) + 100")
inc=$(scalar "increase(tserver_event_errors_total{tserver=\"$tserver\",error_code=\"236\"}[${window_ms}ms])" \
  "$t_first")
if [ "$inc" = none ] || ! jq -e -n "$inc >= $first_value and $inc > 0" >/dev/null; then
  fail "increase() over [${window_ms}ms] at the first 236 sample is $inc (samples $samples)"
fi
pass "increase() over the first scrape window ([${window_ms}ms], 0 -> $first_value) is $inc"

# Every rule of the file loaded and evaluated without error.
rules_ok() {
  curl -sS --max-time 3 "$api/rules" >"$tse_tmp/rules.json" 2>/dev/null || return 1
  jq -e '[.data.groups[].rules[]] | length == 9 and all(.health == "ok")' "$tse_tmp/rules.json" >/dev/null
}
wait_until 5 "all 9 rules evaluated with health ok" rules_ok ||
  fail "rules: $(jq -c '[.data.groups[].rules[] | {name, health, lastError}]' "$tse_tmp/rules.json")"
pass "9 rules loaded, all evaluated with health ok"

# The answer-time ticket (issue 14): loaded, evaluated without error, and its query is valid
# PromQL here, whether or not there are series for it yet.
duration_rule=$(jq -c '[.data.groups[].rules[] | select(.name == "TServerRequestDurationHigh")]' \
  "$tse_tmp/rules.json")
jq -e 'length == 1 and .[0].health == "ok" and .[0].type == "alerting"' <<<"$duration_rule" \
  >/dev/null || fail "TServerRequestDurationHigh: $duration_rule"
query "$(jq -r '.[0].query' <<<"$duration_rule")" >/dev/null
# Each EventError written above answers its request 100 ms after it (.100 to .2000).
durations_counted() {
  [ "$(scalar "sum(tserver_request_duration_seconds_count{tserver=\"$tserver\"})")" = "$written" ]
}
wait_until 10 "$written answers in tserver_request_duration_seconds" durations_counted
for expect in 0.05:0 0.1:"$written" +Inf:"$written"; do
  le=${expect%%:*}
  n=$(scalar "sum(tserver_request_duration_seconds_bucket{tserver=\"$tserver\",le=\"$le\"})")
  [ "$n" = "${expect#*:}" ] || fail "bucket le=$le: $n, ${expect#*:} expected"
done
pass "tserver_request_duration_seconds: $written answers of 100 ms, in le=\"0.1\""
pass "TServerRequestDurationHigh evaluated with health ok; its query is valid"

# Every expr of the Grafana dashboard evaluates here (Grafana's variables replaced).
n=0
while IFS= read -r expr; do
  query "$expr" >/dev/null
  n=$((n + 1))
done < <(jq -r '.. | objects | select(has("expr")) | .expr
                | gsub("\\$__rate_interval"; "1m") | gsub("\\$__interval"; "1m")
                | gsub("\\$__range"; "1h") | gsub("\\$\\{?[A-Za-z_][A-Za-z0-9_]*\\}?"; ".*")
                | gsub("\n"; " ")' "$dashboard")
[ "$n" -ge 10 ] || fail "only $n dashboard exprs"
pass "$n dashboard exprs evaluate on Prometheus"

# The exporter stops cleanly on SIGTERM.
stop_process "$EXPORTER_PID"
[ "$STOPPED_RC" = 0 ] || fail "the exporter exited $STOPPED_RC on SIGTERM"
pass "Prometheus end to end in ${SECONDS} s"
