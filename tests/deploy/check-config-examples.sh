#!/usr/bin/env bash
# Every configuration shipped in config/ (the commented tserver_exporter.yml and examples/*.yml)
# passes --config.check: exit 0 and "is valid". Tables of error codes (config/*-codes.yml) are
# not configurations and are not checked here.
#   check-config-examples.sh EXPORTER REPO_DIR
set -euo pipefail
exporter=$1 repo=$2
checked=0
for file in "$repo/config/tserver_exporter.yml" "$repo"/config/examples/*.yml; do
  if ! out=$("$exporter" --config.file="$file" --config.check 2>&1); then
    echo "FAIL: $file does not pass --config.check:" >&2
    echo "$out" >&2
    exit 1
  fi
  grep -q " is valid$" <<<"$out" || { echo "FAIL: $file: no \"is valid\" line: $out" >&2; exit 1; }
  checked=$((checked + 1))
done
[ "$checked" -ge 4 ] || { echo "FAIL: only $checked configurations found in $repo/config" >&2; exit 1; }
echo "ok: $checked configurations pass --config.check"
