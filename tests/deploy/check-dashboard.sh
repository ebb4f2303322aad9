#!/usr/bin/env bash
# The Grafana dashboard: valid JSON, imports with a data-source prompt (`__inputs` declares
# DS_PROMETHEUS, `__requires` the Prometheus plugin, and every query names ${DS_PROMETHEUS}),
# every panel queries something, every `expr` parses as PromQL (wrapped as a recording rule for
# `promtool check rules`, Grafana's $variables replaced), and every metric it and the alert
# rules name is one the exporter serves (or a recording rule of the rules file).
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

# Import: Grafana asks for the data source named in __inputs and puts its uid wherever
# ${DS_PROMETHEUS} stands. Every Prometheus query (panels, their targets, variables, the
# annotation) must stand on it, and no other ${DS_...} or data-source variable may be left.
jq -e '[.__inputs[] | select(.name == "DS_PROMETHEUS" and .type == "datasource"
                             and .pluginId == "prometheus")] | length == 1' "$dashboard" >/dev/null ||
  fail "__inputs does not declare the datasource DS_PROMETHEUS (pluginId prometheus)"
jq -e '(.__requires | map(select(.type == "datasource" and .id == "prometheus")) | length == 1)
       and (.__requires | map(select(.type == "grafana")) | length == 1)
       and (([.panels[].type | select(. != "row")] | unique)
            - [.__requires[] | select(.type == "panel") | .id] | length == 0)' "$dashboard" >/dev/null ||
  fail "__requires lacks Grafana, the Prometheus data source or a panel type the dashboard uses"
bad=$(jq -r '[.. | objects | select(has("datasource")) | .datasource
              | select(type != "object" or (.type != "grafana" and .uid != "${DS_PROMETHEUS}"))]
             | map(tostring) | unique | .[]' "$dashboard")
[ -z "$bad" ] || fail "data sources other than \${DS_PROMETHEUS}: $bad"
bad=$(jq -r '.panels[] | select(.type != "row") | .targets[]
             | select(.datasource.uid != "${DS_PROMETHEUS}") | "\(.refId)"' "$dashboard")
[ -z "$bad" ] || fail "targets not on \${DS_PROMETHEUS}: $bad"
jq -e '[.templating.list[] | select(.type == "datasource")] | length == 0' "$dashboard" >/dev/null ||
  fail "a data-source variable is left: the panels must name \${DS_PROMETHEUS}"
unknown_inputs=$(grep -oE '[$][{]DS_[A-Z_]*[}]' "$dashboard" | sort -u | grep -vxF "\${DS_PROMETHEUS}" || true)
[ -z "$unknown_inputs" ] || fail "inputs used but not declared in __inputs: $unknown_inputs"

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
# run) or a recording rule of the rules file (level:metric:operations, with colons).
"$exporter" --once --source.file="$repo/tests/data/sample/*.log" >"$tse_tmp/once.prom"
# A request no answer follows within the request timeout (5 minutes of log time): the series
# of tserver_requests_unanswered_total, made on first use, appear.
printf '%s\n' \
  '10:00:00.000 Trc 04541 RequestMakeCall received from [1] (00000001 WDE 10.0.0.1:1)' \
  'message RequestMakeCall' "$(printf '\tAttributeReferenceID\t1')" \
  '10:06:00.000 Trc 04541 RequestHoldCall received from [1] (00000001 WDE 10.0.0.1:1)' \
  >"$tse_tmp/unanswered.log"
"$exporter" --once --source.file="$tse_tmp/unanswered.log" >>"$tse_tmp/once.prom"
grep -q '^tserver_requests_unanswered_total{request="RequestMakeCall",tserver="unanswered"} 1$' \
  "$tse_tmp/once.prom" || fail "a request unanswered for 6 minutes is not counted"
{
  sed -n 's/^# HELP \([a-zA-Z_:][a-zA-Z0-9_:]*\) .*/\1/p' "$tse_tmp/once.prom"
  # A histogram's series: name_bucket, name_sum, name_count.
  sed -n 's/^# TYPE \([a-zA-Z_:][a-zA-Z0-9_:]*\) histogram$/\1_bucket\n\1_sum\n\1_count/p' \
    "$tse_tmp/once.prom"
  sed -n 's/^ *- record: *\([a-zA-Z_:][a-zA-Z0-9_:]*\) *$/\1/p' "$rules"
} | sort -u >"$tse_tmp/known"
grep -ohE '\btserver_[a-z0-9_:]+[a-z0-9_]' "$dashboard" "$rules" | grep -vx tserver_exporter |
  sort -u >"$tse_tmp/used"
unknown=$(comm -23 "$tse_tmp/used" "$tse_tmp/known")
[ -z "$unknown" ] || fail "metrics named in the dashboard or the rules that the exporter does not serve: $unknown"

pass "$count dashboard exprs parse; $(wc -l <"$tse_tmp/used") metric names all known"
