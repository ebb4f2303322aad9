#!/usr/bin/env bash
# The exporter against the log generator: two T-Servers' generated logs (about 2 MB, segments cut
# inside dumps and, every third one, inside a line; the second T-Server with 20% of its blocks
# EventErrors, so that every way of writing one occurs) through `tserver_exporter --once`; every
# non-zero tserver_event_errors_total, and the self-metrics that the text fixes, must equal what
# tse_loggen wrote beside the logs. Run by ctest (bench.loggen_counts):
#   loggen_check.sh TSE_LOGGEN TSERVER_EXPORTER WORK_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 TSE_LOGGEN TSERVER_EXPORTER WORK_DIR" >&2
  exit 2
fi
loggen=$1
exporter=$2
work=$3

rm -rf "$work"
mkdir -p "$work/logs"
"$loggen" --seed 7 --bytes 1500K --segment-bytes 200K --tserver TServer_SfB_01 --out "$work/logs"
"$loggen" --seed 8 --bytes 500K --segment-bytes 150K --tserver TServer_SfB_02 \
  --error-per-mille 200 --out "$work/logs"

"$exporter" --once --log.level=warn --source.file="$work/logs/*.log" >"$work/exposition.txt"

# Expected: the generator's rows; `#!` lines summed over the T-Servers.
cat "$work"/logs/*.expected.tsv | grep -v '^#' | LC_ALL=C sort >"$work/expected.tsv"
cat "$work"/logs/*.expected.tsv | awk -F'\t' '$1 == "#!" { sum[$2] += $3 }
  END { for (m in sum) printf "%s\t%d\n", m, sum[m] }' | LC_ALL=C sort >"$work/expected_self.tsv"

# Actual: the same shapes from the exposition.
awk '
  /^tserver_event_errors_total\{/ {
    value = $NF + 0
    if (value == 0) next
    match($0, /tserver="[^"]*"/); ts = substr($0, RSTART + 9, RLENGTH - 10)
    match($0, /error_code="[^"]*"/); code = substr($0, RSTART + 12, RLENGTH - 13)
    printf "%s\t%s\t%d\n", ts, code, value
  }' "$work/exposition.txt" | LC_ALL=C sort >"$work/actual.tsv"
cut -f1 "$work/expected_self.tsv" | while IFS= read -r metric; do
  value=$(grep -F "$metric " "$work/exposition.txt" | grep -v '^#' | awk '{ print $NF + 0 }' |
          head -n1)
  printf '%s\t%d\n' "$metric" "${value:-0}"
done | LC_ALL=C sort >"$work/actual_self.tsv"

# The check must be able to fail: guard against comparing two empty tables.
rows=$(wc -l <"$work/expected.tsv")
tservers=$(cut -f1 "$work/expected.tsv" | sort -u | wc -l)
if [ "$rows" -lt 10 ] || [ "$tservers" -ne 2 ] || ! grep -q $'\tunknown\t' "$work/expected.tsv"; then
  echo "FAIL: the generator's expectations look wrong ($rows rows, $tservers T-Servers)" >&2
  cat "$work/expected.tsv" >&2
  exit 1
fi

status=0
if ! diff -u "$work/expected.tsv" "$work/actual.tsv"; then
  echo "FAIL: tserver_event_errors_total differs from the generator's counts (- expected, + exporter)" >&2
  status=1
fi
if ! diff -u "$work/expected_self.tsv" "$work/actual_self.tsv"; then
  echo "FAIL: self-metrics differ from the generator's (- expected, + exporter)" >&2
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "OK: $rows non-zero EventError series of $tservers T-Servers and $(wc -l <"$work/expected_self.tsv") self-metrics equal the generator's"
fi
exit "$status"
