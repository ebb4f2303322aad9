#!/usr/bin/env bash
# The README links to nothing outside the repository: an operator reading the installed copy
# (/usr/share/doc/tserver-exporter) or an offline clone has everything it refers to. Fails on
# any http(s) URL whose host is not localhost, a loopback address or an example domain
# (example.com, .org, .net, *.example), and on a relative link to a file the repository lacks.
#   check-readme-links.sh REPO_DIR
set -euo pipefail
repo=$1
readme=$repo/README.md
[ -f "$readme" ] || { echo "FAIL: no $readme" >&2; exit 1; }

allowed='^https?://(localhost|127\.[0-9.]+|\[::1\]|0\.0\.0\.0|([a-z0-9-]+\.)*example(\.(com|org|net))?)([:/?#]|$)'
bad=$({ grep -noE 'https?://[^][ <>)"`'"'"']+' "$readme" || true; } | while IFS=: read -r line url; do
  grep -qiE "$allowed" <<<"$url" || echo "README.md:$line: $url"
done)

# Relative links: [text](path) or [text](path#anchor), outside code; each must exist in the
# repository (and stay inside it).
while IFS=: read -r line target; do
  path=${target%%#*}
  [ -n "$path" ] || continue
  case "$path" in
    *://* | mailto:*) continue ;;  # URLs: checked above
  esac
  resolved=$(realpath -m "$repo/$path")
  case "$resolved" in
    "$(realpath "$repo")"/*) [ -e "$resolved" ] || bad+=$'\n'"README.md:$line: $path does not exist" ;;
    *) bad+=$'\n'"README.md:$line: $path is outside the repository" ;;
  esac
done < <({ grep -noE '\]\([^)[:space:]]+\)' "$readme" || true; } | sed -E 's/^([0-9]+):\]\((.*)\)$/\1:\2/')

bad=$(sed '/^$/d' <<<"$bad")
if [ -n "$bad" ]; then
  echo "FAIL: README.md links outside the repository (write the text in, or link a file here):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: README.md links only to the repository, localhost and example hosts"
