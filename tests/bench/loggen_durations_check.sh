#!/usr/bin/env bash
# Issue 14's property test: for several seeds and every variant the log generator writes (ISO and
# time-only record times, a log across midnight, dense EventErrors, segments cut inside lines),
# `tserver_exporter --once` must show exactly the answer times tse_loggen wrote:
# every tserver_request_duration_seconds bucket and count equal, every sum within 1e-9 relative
# (the exposition prints doubles; the generator's sums are exact microseconds), every non-zero
# tserver_requests_unanswered_total equal, and no duration skipped nor step back of the log's
# time. Run by ctest (bench.loggen_durations):
#   loggen_durations_check.sh TSE_LOGGEN TSERVER_EXPORTER WORK_DIR iso|time
# (the variants with ISO 8601 record times, or those with time-only ones: two ctest tests).
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 TSE_LOGGEN TSERVER_EXPORTER WORK_DIR iso|time" >&2
  exit 2
fi
loggen=$1
exporter=$2
work=$3
rm -rf "$work"
mkdir -p "$work"

# name | tse_loggen flags. A variant with --start crosses an hour (its check point) with a
# request pending, one named *midnight* crosses midnight too: the check fails if they do not.
case $4 in
  iso)
    variants=(
      "iso|--seed 7 --bytes 1500K --segment-bytes 200K --start 10:52:00"
      "iso_errors|--seed 8 --bytes 800K --segment-bytes 150K --error-per-mille 200"
      "iso_midnight|--seed 9 --bytes 1200K --segment-bytes 300K --start 23:54:00 --error-per-mille 60"
    )
    ;;
  time)
    variants=(
      "time_only|--seed 10 --bytes 1000K --segment-bytes 250K --time-format time --start 14:55:00"
      "time_midnight|--seed 11 --bytes 1200K --segment-bytes 200K --time-format time --start 23:54:00 --error-per-mille 100"
    )
    ;;
  *)
    echo "$0: unknown variant set $4 (iso or time)" >&2
    exit 2
    ;;
esac

# The expectations and the exposition in one shape: `tserver<TAB>request<TAB>what<TAB>le<TAB>value`.
expected_table() {
  awk -F'\t' '$1 == "#d" { printf "%s\t%s\t%s\t%s\t%s\n", $2, $3, $4, $5, $6 }
              $1 == "#u" { printf "%s\t%s\tunanswered\t\t%s\n", $2, $3, $4 }' "$@"
}
actual_table() {
  awk '
    function label(name,   re, v) {
      re = name "=\"[^\"]*\""
      if (!match($0, re)) return ""
      v = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
      return v
    }
    /^tserver_request_duration_seconds_(bucket|count|sum)\{/ || /^tserver_requests_unanswered_total\{/ {
      what = $0
      sub(/\{.*/, "", what)
      sub(/^tserver_request_duration_seconds_/, "", what)
      if (what == "tserver_requests_unanswered_total") {
        if ($NF + 0 == 0) next
        what = "unanswered"
      }
      le = label("le")
      if (le != "" && le != "+Inf") le = sprintf("%g", le + 0)
      printf "%s\t%s\t%s\t%s\t%s\n", label("tserver"), label("request"), what, le, $NF
    }' "$@"
}

status=0
total_answers=0
for variant in "${variants[@]}"; do
  name=${variant%%|*}
  flags=${variant#*|}
  dir="$work/$name"
  mkdir -p "$dir/logs"
  # shellcheck disable=SC2086 # the flags are words
  "$loggen" $flags --tserver "TServer_$name" --out "$dir/logs" 2>"$dir/loggen.err"
  "$exporter" --once --log.level=warn --source.request-timeout=5m \
    --source.file="$dir/logs/*.log" >"$dir/exposition.txt"

  expected_table "$dir"/logs/*.expected.tsv |
    awk -F'\t' 'BEGIN { OFS = "\t" } $4 != "" && $4 != "+Inf" { $4 = sprintf("%g", $4 + 0) } 1' |
    LC_ALL=C sort >"$dir/expected.tsv"
  actual_table "$dir/exposition.txt" | LC_ALL=C sort >"$dir/actual.tsv"

  # The check must be able to fail: every way of answering must be there.
  answers=$(awk -F'\t' '$3 == "count" { n += $5 } END { print n + 0 }' "$dir/expected.tsv")
  series=$(awk -F'\t' '$3 == "count"' "$dir/expected.tsv" | wc -l)
  inf_only=$(awk -F'\t' '$3 == "bucket" && $4 == "60" { below[$1 FS $2] = $5 }
    $3 == "bucket" && $4 == "+Inf" && $5 > below[$1 FS $2] { n++ } END { print n + 0 }' \
    "$dir/expected.tsv")
  if [ "$answers" -lt 300 ] || [ "$series" -lt 10 ] || [ "$inf_only" -lt 1 ]; then
    echo "FAIL [$name]: the generator's expectations look wrong ($answers answers in $series" \
      "series, $inf_only with answers past 60 s)" >&2
    status=1
    continue
  fi
  # "# requests answered N (B exactly on a bucket bound, M across midnight, C across a check point)"
  summary=$(grep -h '^# requests' "$dir"/logs/*.expected.tsv)
  midnight=$(sed -E 's/.* ([0-9]+) across midnight.*/\1/' <<<"$summary")
  check_point=$(sed -E 's/.* ([0-9]+) across a check point.*/\1/' <<<"$summary")
  if { [[ $flags == *--start* ]] && [ "$check_point" -lt 1 ]; } ||
     { [[ $name == *midnight* ]] && [ "$midnight" -lt 1 ]; }; then
    echo "FAIL [$name]: no answer across ${name##*_} ($summary)" >&2
    status=1
  fi
  total_answers=$((total_answers + answers))

  # Buckets, counts and unanswered exactly; sums within 1e-9 relative.
  if ! awk -F'\t' '
      NR == FNR { key = $1 FS $2 FS $3 FS $4; want[key] = $5; next }
      { key = $1 FS $2 FS $3 FS $4; got[key] = $5 }
      END {
        bad = 0
        for (k in want) {
          split(k, f, FS)
          if (!(k in got)) { printf "missing: %s = %s\n", k, want[k]; bad = 1; continue }
          if (f[3] == "sum") {
            w = want[k] + 0; g = got[k] + 0; d = w - g; if (d < 0) d = -d
            if (d > 1e-9 * (w < 0 ? -w : w)) { printf "sum: %s: want %s, got %s\n", k, want[k], got[k]; bad = 1 }
          } else if (want[k] + 0 != got[k] + 0) {
            printf "differs: %s: want %s, got %s\n", k, want[k], got[k]; bad = 1
          }
        }
        for (k in got) {
          split(k, f, FS)
          if (!(k in want) && (f[3] == "unanswered" || f[3] == "count") && got[k] + 0 != 0) {
            printf "unexpected: %s = %s\n", k, got[k]; bad = 1
          }
        }
        exit bad
      }' "$dir/expected.tsv" "$dir/actual.tsv" >"$dir/diff.txt"; then
    echo "FAIL [$name]: the exporter's answer times differ from the generator's" \
      "(flags: $flags; files in $dir):" >&2
    head -n 40 "$dir/diff.txt" >&2
    status=1
  fi
  # The self-metrics the text fixes (zero durations skipped, zero steps back, ...).
  while IFS=$'\t' read -r _ metric value; do
    got=$(grep -F "$metric " "$dir/exposition.txt" | grep -v '^#' | awk '{ print $NF + 0 }' |
          head -n1)
    if [ "${got:-0}" != "$value" ]; then
      echo "FAIL [$name]: $metric is ${got:-0}, the generator says $value" >&2
      status=1
    fi
  done < <(grep -h $'^#!\t' "$dir"/logs/*.expected.tsv)
  echo "[$name] $answers answers in $series series; generator: ${summary#\# }"
done

if [ "$status" -eq 0 ]; then
  echo "OK: ${#variants[@]} variants, $total_answers answers: buckets, counts, sums and unanswered equal the generator's"
fi
exit "$status"
