#!/usr/bin/env bash
# Every alert of deploy/prometheus/tserver-exporter.rules.yml has one runbook_url, all on one
# base (the one the README's Alerting section tells how to replace), each ending in an anchor
# of a README heading (GitHub's: lower case, punctuation dropped, spaces as dashes).
#   check-runbooks.sh REPO_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

repo=$1
rules=$repo/deploy/prometheus/tserver-exporter.rules.yml
readme=$repo/README.md
base=file:///usr/share/doc/tserver-exporter/README.md

# NAME URL per alert (URL "none" when the alert has none, "many" when it has more than one).
awk '
  function flush() { if (name != "") print name, (n == 0 ? "none" : n > 1 ? "many" : url) }
  /^ *- alert: / { flush(); name = $3; n = 0; url = ""; next }
  /^ *- (record|alert): / { flush(); name = ""; next }
  name != "" && /^ *runbook_url: / { n++; url = $2 }
  END { flush() }' "$rules" >"$tse_tmp/runbooks"
[ -s "$tse_tmp/runbooks" ] || fail "no alert found in $rules"

# The anchors of the README's headings, outside code blocks.
awk '/^```/ { code = !code; next } !code && /^#+ / { sub(/^#+ /, ""); print }' "$readme" |
  tr '[:upper:]' '[:lower:]' | sed -e 's/[^a-z0-9 _-]//g' -e 's/ /-/g' >"$tse_tmp/anchors"

alerts=0
while read -r name url; do
  alerts=$((alerts + 1))
  case $url in
    none) fail "$name has no runbook_url" ;;
    many) fail "$name has more than one runbook_url" ;;
    "$base#"*) ;;
    *) fail "$name: runbook_url $url does not start with $base#" ;;
  esac
  anchor=${url#"$base#"}
  grep -qx -- "$anchor" "$tse_tmp/anchors" || fail "$name: #$anchor is no heading of README.md"
done <"$tse_tmp/runbooks"

# The README says how to replace that base, and the rules file says it too.
grep -qF "sed -i 's|$base|" "$readme" || fail "README.md does not show how to replace $base"
grep -qF "$base" <(sed -n '1,/^groups:/p' "$rules") || fail "the rules file's header does not name $base"
pass "$alerts alerts, each with a runbook_url on $base to a README heading"
