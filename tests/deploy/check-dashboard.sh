#!/usr/bin/env bash
# The Grafana dashboard: valid JSON, every panel queries something, every `expr` parses as
# PromQL (wrapped as a recording rule for `promtool check rules`, Grafana's $variables
# replaced), and every metric it and the alert rules name is one the exporter serves (or one
# of the request metrics still to come).
#   check-dashboard.sh PROMTOOL EXPORTER REPO_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

promtool=$1 exporter=$2 repo=$3
dashboard=$repo/deploy/grafana/tserver-exporter.json
rules=$repo/deploy/prometheus/tserver-exporter.rules.yml
command -v jq >/dev/null || skip "jq not found (deploy/install-deps.sh installs it)"
[ -x "$promtool" ] || skip "promtool not found (Debian package prometheus; deploy/install-deps.sh installs it)"

jq -e . "$dashboard" >/dev/null || fail "$dashboard is not valid JSON"

# Structure: unique panel ids, a title and a Prometheus query in every panel but rows.
jq -e '[.panels[].id] | length == (unique | length)' "$dashboard" >/dev/null ||
  fail "panel ids are not unique"
bad=$(jq -r '.panels[] | select(.type != "row")
             | select((.title // "") == "" or ([.targets[]?.expr // empty] | length) == 0)
             | "\(.id) \(.title // "")"' "$dashboard")
[ -z "$bad" ] || fail "panels without a title or a query: $bad"
bad=$(jq -r '.panels[] | select(.type != "row") | .targets[]
             | select(.datasource.uid != "${datasource}") | "\(.refId)"' "$dashboard")
[ -z "$bad" ] || fail "targets not on the \$datasource variable: $bad"

# Every expr, anywhere in the JSON (panels, annotations), as one recording rule each. Grafana's
# variables become what they would be at run time: $__range and friends a duration, the
# dashboard's own variables (only ever inside =~"..." matchers) the regex ".*". The file is
# JSON, which is YAML.
jq '. as $root | {groups: [{name: "grafana-dashboard", rules: [
      [paths(objects and has("expr"))] | to_entries[] as $e
      | ($root | getpath($e.value)) as $o
      | {record: "dashboard:expr_\($e.key)_\($o.refId // "annotation")",
         expr: ($o.expr
                | gsub("\\$__rate_interval"; "1m") | gsub("\\$__interval"; "1m")
                | gsub("\\$__range"; "1h")
                | gsub("\\$\\{?[A-Za-z_][A-Za-z0-9_]*\\}?"; ".*"))}
    ]}]}' "$dashboard" >"$tse_tmp/dashboard.rules.yml"
count=$(jq '.groups[0].rules | length' "$tse_tmp/dashboard.rules.yml")
[ "$count" -ge 10 ] || fail "only $count exprs found in the dashboard"
if ! "$promtool" check rules "$tse_tmp/dashboard.rules.yml" >"$tse_tmp/promtool.out" 2>&1; then
  cat "$tse_tmp/promtool.out" >&2
  jq -r '.groups[0].rules[] | "\(.record): \(.expr)"' "$tse_tmp/dashboard.rules.yml" >&2
  fail "an expr of the dashboard does not parse"
fi

# Metric names: every tserver_* word of the dashboard and the rules (queries and texts; the
# program's own name aside) must be a metric the exporter serves (HELP lines of a one-shot
# run) or one of the request metrics another change adds.
"$exporter" --once --source.file="$repo/tests/data/sample/*.log" >"$tse_tmp/once.prom"
{
  sed -n 's/^# HELP \([a-zA-Z_:][a-zA-Z0-9_:]*\) .*/\1/p' "$tse_tmp/once.prom"
  printf '%s\n' tserver_requests_total tserver_request_errors_total
} | sort -u >"$tse_tmp/known"
grep -ohE '\btserver_[a-z0-9_]+' "$dashboard" "$rules" | grep -vx tserver_exporter |
  sort -u >"$tse_tmp/used"
unknown=$(comm -23 "$tse_tmp/used" "$tse_tmp/known")
[ -z "$unknown" ] || fail "metrics named in the dashboard or the rules that the exporter does not serve: $unknown"

pass "$count dashboard exprs parse; $(wc -l <"$tse_tmp/used") metric names all known"
