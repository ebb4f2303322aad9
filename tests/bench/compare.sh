#!/usr/bin/env bash
# Times `tserver_exporter --once` against mtail (with tests/bench/tserver_errors.mtail),
# `grep -c EventError` and `wc -l` on the same generated T-Server log (250 MB by default), several
# runs each, interleaved; checks the exporter's counts against the generator's; prints MB/s, peak
# RSS and the exporter's ratios to each, as a Markdown table.
#
#   tests/bench/compare.sh [--runs 5] [--bytes 250M] [--seed 1] [--build-dir DIR]
#                          [--work-dir DIR] [--no-build] [--no-mtail] [--exporter PATH]
#
# Builds tserver_exporter and tse_loggen (CMake, Release) in --build-dir (default build-bench;
# JOBS=n sets the build's parallelism) unless --no-build; --exporter PATH times that binary (an
# older revision, say) instead of the one in --build-dir. Generates the log once into --work-dir
# (default ${TMPDIR:-/tmp}/tse-bench; about 1.1 x SIZE of disk) and reuses it while tse_loggen is
# unchanged. Needs GNU time (/usr/bin/time, Debian package `time`) and, for the mtail column,
# mtail (Debian package `mtail`). Every tool reads the file from the page cache (it is read once
# first), in the C locale. Measure on a quiet machine: the script prints the load average.
# Exit status: 1 when the exporter's counts differ from the generator's, else 0 (timings and
# targets are reported, never enforced).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
source "$repo/tests/bench/lib.sh"
runs=5
bytes=250M
seed=1
build_dir=$repo/build-bench
work_dir=${TMPDIR:-/tmp}/tse-bench
do_build=1
do_mtail=1
exporter=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --work-dir) work_dir=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --no-mtail) do_mtail=0; shift ;;
    --exporter) exporter=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
export LC_ALL=C

if [ ! -x /usr/bin/time ]; then
  echo "compare.sh: GNU time is missing: apt-get install time" >&2
  exit 1
fi
if [ "$do_mtail" = 1 ] && ! command -v mtail >/dev/null; then
  echo "compare.sh: mtail is missing (apt-get install mtail); running without it" >&2
  do_mtail=0
fi

exporter=${exporter:-$build_dir/exporter/tserver_exporter}
loggen=$build_dir/tests/bench/tse_loggen
if [ "$do_build" = 1 ]; then
  bench_build "$repo" "$build_dir" tserver_exporter tse_loggen
fi
for binary in "$exporter" "$loggen"; do
  if [ ! -x "$binary" ]; then
    echo "compare.sh: $binary is missing (run without --no-build)" >&2
    exit 1
  fi
done

# The log: one segment, UTF-8 only (mtail stops reading at the first invalid UTF-8 byte).
log_dir=$work_dir/log-$bytes-seed$seed
expected=$log_dir/TServer_SfB_01.expected.tsv
if [ ! -f "$expected" ] || [ "$loggen" -nt "$expected" ]; then
  rm -rf "$log_dir"
  "$loggen" --seed "$seed" --bytes "$bytes" --segment-bytes 1000G --utf8-only --out "$log_dir"
fi
log=$(ls "$log_dir"/TServer_SfB_01.*.log)
size=$(stat -c %s "$log")
cat "$log" >/dev/null  # into the page cache
progs=$work_dir/mtail-progs
mkdir -p "$progs"
cp "$repo/tests/bench/tserver_errors.mtail" "$progs/"

out=$work_dir/out
mkdir -p "$out"
results=$out/results.txt
: >"$results"

# measure NAME COMMAND...: one run; appends "NAME elapsed_ns peak_rss_kb user_s sys_s".
measure() {
  local name=$1
  shift
  local t0 t1
  t0=${EPOCHREALTIME/./}
  if ! /usr/bin/time -f '%M %U %S' -o "$out/time.txt" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"; then
    echo "compare.sh: $name failed:" >&2
    tail -n 5 "$out/$name.stderr" >&2
    exit 1
  fi
  t1=${EPOCHREALTIME/./}
  echo "$name $(((t1 - t0) * 1000)) $(tail -n 1 "$out/time.txt")" >>"$results"
}

tools=(exporter)
[ "$do_mtail" = 1 ] && tools+=(mtail)
tools+=(grep wc)

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)," \
  "$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
echo "exporter: $("$exporter" --version)"
[ "$do_mtail" = 1 ] && echo "mtail: $(mtail --version 2>&1 | head -n 1)"
echo "log: $log ($size bytes, $(sed -n 's/^# segments.*lines \([0-9]*\),.*EventErrors \([0-9]*\).*/\1 lines, \2 EventErrors/p' "$expected"))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs of each, interleaved (${tools[*]})"

for ((run = 1; run <= runs; run++)); do
  for tool in "${tools[@]}"; do
    case $tool in
      exporter) measure exporter "$exporter" --once --log.level=warn --source.file="$log" ;;
      mtail) measure mtail mtail -progs "$progs" -logs "$log" -one_shot \
               -one_shot_format prometheus -address 127.0.0.1 -port 0 -logtostderr ;;
      grep) measure grep grep -c EventError "$log" ;;
      wc) measure wc wc -l "$log" ;;
    esac
  done
  echo "  run $run/$runs done"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- counts ----------------------------------------------------------------------------------
status=0
grep -v '^#' "$expected" | sort >"$out/expected.tsv"
count_rows() {  # exposition on stdin -> tserver<TAB>code<TAB>count (non-zero), sorted
  awk -v fixed_tserver="${1:-}" '
    /^tserver_event_errors_total\{/ {
      value = $NF + 0
      if (value == 0) next
      ts = fixed_tserver
      if (ts == "") { match($0, /tserver="[^"]*"/); ts = substr($0, RSTART + 9, RLENGTH - 10) }
      match($0, /error_code="[^"]*"/); code = substr($0, RSTART + 12, RLENGTH - 13)
      printf "%s\t%s\t%d\n", ts, code, value
    }' | sort
}
count_rows <"$out/exporter.stdout" >"$out/exporter.tsv"
if diff -u "$out/expected.tsv" "$out/exporter.tsv" >"$out/exporter.diff"; then
  echo "exporter counts: equal to the generator's ($(wc -l <"$out/expected.tsv") series)"
else
  echo "exporter counts: DIFFER from the generator's (- expected, + exporter):"
  cat "$out/exporter.diff"
  status=1
fi
lines=$(sed -n 's/^#!\ttserver_exporter_lines_read_total\t//p' "$expected")
errors=$(awk -F'\t' '!/^#/ { n += $3 } END { print n }' "$expected")
if [ "$do_mtail" = 1 ]; then
  count_rows TServer_SfB_01 <"$out/mtail.stdout" >"$out/mtail.tsv"
  mtail_lines=$(awk '/^tserver_mtail_lines_total/ { printf "%d", $NF + 0 }' "$out/mtail.stdout")
  if [ "${mtail_lines:-0}" != "$lines" ]; then
    echo "mtail: read ${mtail_lines:-0} of $lines lines: it stopped early"
  fi
  if diff -u "$out/expected.tsv" "$out/mtail.tsv" >"$out/mtail.diff"; then
    echo "mtail counts: equal to the generator's (one file, TAB-indented dumps, UTF-8 only)"
  else
    echo "mtail counts: differ from the generator's in $(grep -c '^[-+][^-+]' "$out/mtail.diff") rows (see $out/mtail.diff)"
  fi
fi
echo "grep -c EventError: $(cat "$out/grep.stdout") lines, for $errors EventErrors in the log"
echo "wc -l: $(cut -d' ' -f1 "$out/wc.stdout") lines (the generator wrote $lines)"

# --- table -----------------------------------------------------------------------------------
echo
awk -v size="$size" -v runs="$runs" -v order="${tools[*]}" '
  function median(list, n,    a, i, j, t) {
    split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    ns[$1] = ns[$1] " " $2; n[$1]++
    rss[$1] = rss[$1] " " $3; cpu[$1] = cpu[$1] " " ($4 + $5)
    if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2
    if ($2 > hi[$1]) hi[$1] = $2
    if ($3 > maxrss[$1]) maxrss[$1] = $3
  }
  END {
    count = split(order, names, " ")
    for (i = 1; i <= count; i++) {
      t = names[i]
      sec[t] = median(ns[t], n[t]) / 1e9
      mbs[t] = size / 1e6 / sec[t]
    }
    label["exporter"] = "`tserver_exporter --once`"
    label["mtail"] = "`mtail -one_shot` (tserver_errors.mtail)"
    label["grep"] = "`grep -c EventError`"
    label["wc"] = "`wc -l`"
    printf "| command | median s | MB/s (median; min-max) | CPU s (user+sys) | peak RSS | exporter speed / this |\n"
    printf "| --- | --- | --- | --- | --- | --- |\n"
    for (i = 1; i <= count; i++) {
      t = names[i]
      printf("| %s | %.3f | %.0f (%.0f-%.0f) | %.2f | %.1f MiB | %s |\n", label[t], sec[t], mbs[t],
             size / 1e6 / (hi[t] / 1e9), size / 1e6 / (lo[t] / 1e9), median(cpu[t], n[t]),
             maxrss[t] / 1024, (t == "exporter" ? "1" : sprintf("%.2fx", mbs["exporter"] / mbs[t])))
    }
    printf("\n%d runs each, interleaved; %.0f MB (%d bytes); MB = 10^6 bytes; RSS = max over the runs.\n",
           runs, size / 1e6, size)
    e = mbs["exporter"]
    printf("\ntargets: exporter >= 1000 MB/s: %s (%.0f)", (e >= 1000 ? "met" : "MISSED"), e)
    printf("; >= 1/5 of wc -l: %s (%.2f)", (e * 5 >= mbs["wc"] ? "met" : "MISSED"), e / mbs["wc"])
    if ("mtail" in mbs)
      printf("; >= 100x mtail: %s (%.0fx)", (e >= 100 * mbs["mtail"] ? "met" : "MISSED"), e / mbs["mtail"])
    printf("; vs grep -c (aim): %.2fx", e / mbs["grep"])
    printf("; peak RSS < 16 MiB: %s (%.1f MiB)\n", (maxrss["exporter"] < 16 * 1024 ? "met" : "MISSED"), maxrss["exporter"] / 1024)
  }' "$results"
exit "$status"
