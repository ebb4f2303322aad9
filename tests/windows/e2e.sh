#!/usr/bin/env bash
# The Windows build end to end under wine, against the Linux build (issue 12, PORTING.md §5):
#   1. `--once` byte for byte: every log case of the golden tests (tests/data/logs: a file, or a
#      folder of one T-Server's segments), the README's sample, the fuzzing corpus of T-Server
#      logs and, when the Linux build has tse_loggen, the generated logs of bench.loggen_counts
#      and bench.loggen_durations_*; by path (a Windows glob for the Windows build) and, for each
#      single file, on standard input. The two expositions must be equal once the lines that
#      legitimately differ are removed (build_info, the reload time stamp, process_*) and the
#      `glob` label's Windows path is read as the Unix path it names; the Windows one must give
#      the golden file's lines.
#   2. Following a folder: the daemon follows Z:\...\TServer_SfB_01.*.log while log_writer.exe
#      (a Windows program: all three share flags, new segments by CreateFileW and by MoveFileExW,
#      old ones renamed out of the glob and deleted) writes a known number of EventErrors per
#      code; /metrics, scraped by curl from Linux, must end at exactly those counts.
#   3. Kill and restart: the same while the daemon is killed hard three times (kill -9 of its wine
#      process twice, `wine taskkill /F` once) and restarted on its state directory: the final
#      counts are exact, no scrape ever saw a counter go down or a value the state file did not
#      hold yet.
#   4. A clean stop (of 2's daemon, so run before 3): `wine taskkill` without /F does not stop it
#      (a console program has no window to close, as on Windows); SIGINT to its wine process does
#      (wine turns it into CTRL_C_EVENT, which the CRT raises as SIGINT: what Ctrl+C in its
#      console does on Windows), with exit code 0, and a restart shows the same counts.
#   5. Standard input in daemon mode: the sample piped in gives its EXPECTED.tsv counts, and the
#      end of the pipe leaves the exporter serving.
#
#   tests/windows/e2e.sh WINDOWS_EXE LINUX_EXE
#
# Exit 0 when every check passed. Runs in a wine prefix of its own (wineboot, ~5 s), so that
# `taskkill /IM` reaches no other program and `wineserver -k` stops only this test's server.
# Needs wine, curl, perl and x86_64-w64-mingw32-g++-posix (log_writer.exe is built into the work
# directory). TSE_KEEP_WORK=1 keeps the work directory (logs, expositions, exporter logs).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 WINDOWS_EXE LINUX_EXE" >&2
  exit 2
fi
win_exe=$(realpath "$1")
linux_exe=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../data" && pwd)
corpus=$(cd "$here/../fuzz/corpus/tserver_log_fuzzer" && pwd)
loggen=$(dirname "$linux_exe")/../tests/bench/tse_loggen

work=$(mktemp -d "${TMPDIR:-/tmp}/tse-wine-e2e.XXXXXX")
export WINEPREFIX=$work/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
started=$SECONDS
failures=0
pids=()  # every background process this script started

cleanup() {
  local pid
  {
    for pid in "${pids[@]}"; do kill -9 "$pid" || true; done
    wineserver -k || true
  } 2>/dev/null # and bash's "Killed" lines
  if [ "${TSE_KEEP_WORK:-0}" = 1 ]; then
    echo "work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap "exit 130" INT TERM

pass() { echo "ok   $*"; }
fail() {
  echo "FAIL $*"
  failures=$((failures + 1))
}

# Wine's drive Z: is the Unix root: the Windows build gets Windows paths, as it would on a host.
winpath() { printf 'Z:%s' "${1//\//\\}"; }

echo "== setup: wine prefix, log_writer.exe"
mkdir -p "$WINEPREFIX"
# A persistent server (it detaches itself), so that each wine start below takes a fraction of a
# second; `wineserver -k` in cleanup stops it.
wineserver -p
timeout 120 wineboot -i >/dev/null 2>&1
timeout 120 x86_64-w64-mingw32-g++-posix -std=c++20 -O2 -static -municode \
  "$here/log_writer.cpp" -o "$work/log_writer.exe"

# ---------------------------------------------------------------------------------------------
echo "== 1. --once: the Windows build against the Linux build"

# Lines that differ between two builds or two runs: the build's labels, the time of the run.
# With a second and third argument, the `glob` label's value $2 (the Windows path, escaped as
# the exposition escapes it) becomes $3 (the Unix one): that is the same glob.
differing='^(tserver_exporter_build_info[{ ]|process_|'
differing+='tserver_exporter_config_last_reload_success_timestamp_seconds[{ ])'
comparable() {
  grep -v -E "$differing" "$1" |
    FROM="glob=\"${2:-}\"" TO="glob=\"${3:-}\"" perl -pe 's/\Q$ENV{FROM}\E/$ENV{TO}/g' || true
}

# The golden test's lines (tests/golden/golden_test.cpp, is_golden_line), sorted as it does.
golden_prefixes=(
  'tserver_event_errors_total\{' 'tserver_request_errors_total\{' 'tserver_requests_total\{'
  'tserver_link_disconnected_total\{' 'tserver_iscc_errors_total\{'
  'tserver_exporter_lines_read_total ' 'tserver_exporter_bytes_read_total '
  'tserver_exporter_records_parsed_total ' 'tserver_exporter_lines_skipped_total\{'
  'tserver_exporter_records_skipped_total\{' 'tserver_exporter_lines_ignored_total\{'
  'tserver_exporter_malformed_records_total '
  'tserver_request_duration_seconds_bucket\{' 'tserver_request_duration_seconds_sum\{'
  'tserver_request_duration_seconds_count\{' 'tserver_requests_unanswered_total\{'
  'tserver_exporter_request_durations_skipped_total '
  'tserver_exporter_log_time_steps_back_total '
)
golden_pattern="^($(IFS='|' && echo "${golden_prefixes[*]}"))"
golden_lines() { grep -E "$golden_pattern" "$1" | LC_ALL=C sort; }

once_cases=0
# once_case NAME UNIX_TARGET [GOLDEN [WINDOWS_TARGET]]: UNIX_TARGET is a file or a glob, the
# Windows build gets WINDOWS_TARGET, by default the same path as Z:\...; with GOLDEN, the Windows
# exposition must also give that golden file's lines.
once_case() {
  local name=$1 target=$2 golden=${3:-} windows_target=${4:-$(winpath "$2")}
  local out=$work/once/$1 win_rc=0 linux_rc=0
  mkdir -p "$out"
  timeout 60 wine "$win_exe" --once --source.file="$windows_target" \
    >"$out/windows.prom" 2>"$out/windows.err" || win_rc=$?
  timeout 60 "$linux_exe" --once --source.file="$target" >"$out/linux.prom" 2>"$out/linux.err" ||
    linux_rc=$?
  once_compare "$name" "$out" "$win_rc" "$linux_rc" "$golden" "$target" "$windows_target"
}

# once_stdin NAME FILE: the same through --source.stdin (binary standard input on Windows).
once_stdin() {
  local name=$1 file=$2 out=$work/once/$1 win_rc=0 linux_rc=0
  mkdir -p "$out"
  timeout 60 wine "$win_exe" --once --source.stdin <"$file" >"$out/windows.prom" \
    2>"$out/windows.err" || win_rc=$?
  timeout 60 "$linux_exe" --once --source.stdin <"$file" >"$out/linux.prom" \
    2>"$out/linux.err" || linux_rc=$?
  once_compare "$name" "$out" "$win_rc" "$linux_rc" ""
}

once_compare() {
  local name=$1 out=$2 win_rc=$3 linux_rc=$4 golden=$5 target=${6:-} escaped=${7:-}
  escaped=${escaped//\\/\\\\}
  once_cases=$((once_cases + 1))
  if [ "$win_rc" != 0 ] || [ "$linux_rc" != 0 ]; then
    fail "once $name: exit codes: windows $win_rc, linux $linux_rc ($(head -c 300 "$out/windows.err"))"
    return
  fi
  comparable "$out/windows.prom" "$escaped" "$target" >"$out/windows.cmp"
  comparable "$out/linux.prom" >"$out/linux.cmp"
  if [ ! -s "$out/linux.cmp" ]; then
    fail "once $name: empty exposition"
  elif ! cmp -s "$out/windows.cmp" "$out/linux.cmp"; then
    fail "once $name: expositions differ: $(cmp "$out/windows.cmp" "$out/linux.cmp" 2>&1 | head -1)"
    diff "$out/linux.cmp" "$out/windows.cmp" | head -6 | sed 's/^/       /' || true
  elif [ -n "$golden" ] && ! cmp -s <(golden_lines "$out/windows.prom") "$golden"; then
    fail "once $name: the Windows exposition does not give $golden"
  else
    pass "once $name: $(wc -l <"$out/windows.cmp") lines equal$([ -n "$golden" ] && echo ", golden file too")"
  fi
}

for path in "$data"/logs/*; do
  name=$(basename "$path")
  if [ -d "$path" ]; then
    once_case "$name" "$path/*.log" "$data/golden/$name.prom"
  elif [[ $name == *.log ]]; then
    once_case "$name" "$path" "$data/golden/$name.prom"
    once_stdin "$name (stdin)" "$path"
  fi
done
once_case sample "$data/sample/*.log" "$data/golden/sample.prom"
# Windows takes either separator and folds the case of names (glob_pattern.h).
once_case "sample (z:/.../*.LOG)" "$data/sample/*.log" "$data/golden/sample.prom" \
  "z:$data/sample/*.LOG"
once_stdin "sample (stdin)" "$data"/sample/*.log
for path in "$corpus"/*; do
  once_case "fuzz corpus $(basename "$path")" "$path"
done

if [ -x "$loggen" ]; then
  # bench.loggen_counts' two T-Servers in one folder, and bench.loggen_durations_*'s variants.
  generated=$work/generated
  "$loggen" --seed 7 --bytes 1500K --segment-bytes 200K --tserver TServer_SfB_01 \
    --out "$generated/counts" 2>/dev/null
  "$loggen" --seed 8 --bytes 500K --segment-bytes 150K --tserver TServer_SfB_02 \
    --error-per-mille 200 --out "$generated/counts" 2>/dev/null
  once_case "tse_loggen counts" "$generated/counts/*.log"
  while IFS='|' read -r name flags; do
    # shellcheck disable=SC2086 # flags are words
    "$loggen" $flags --tserver "TServer_$name" --out "$generated/$name" 2>/dev/null
    once_case "tse_loggen $name" "$generated/$name/*.log"
  done <<'EOF'
iso|--seed 7 --bytes 1500K --segment-bytes 200K --start 10:52:00
iso_errors|--seed 8 --bytes 800K --segment-bytes 150K --error-per-mille 200
iso_midnight|--seed 9 --bytes 1200K --segment-bytes 300K --start 23:54:00 --error-per-mille 60
time_only|--seed 10 --bytes 1000K --segment-bytes 250K --time-format time --start 14:55:00
time_midnight|--seed 11 --bytes 1200K --segment-bytes 200K --time-format time --start 23:54:00 --error-per-mille 100
EOF
else
  fail "once: no tse_loggen beside the Linux build ($loggen): the generated logs were not compared"
fi
echo "   $once_cases --once cases compared ($((SECONDS - started)) s so far)"

# ---------------------------------------------------------------------------------------------
# The daemon under wine.

free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then # nothing listens there
      echo "$port"
      return
    fi
  done
  echo "no free port found" >&2
  return 1
}
port=$(free_port)
url=http://127.0.0.1:$port

exporter_pid=
# start_exporter STATE_DIR LOGS_DIR LOG_FILE: the daemon on $port, ready within 60 s, else fail.
start_exporter() {
  wine "$win_exe" --web.listen-address="127.0.0.1:$port" --storage.path="$(winpath "$1")" \
    --source.file="$(winpath "$2")\\TServer_SfB_01.*.log" --source.from-beginning \
    --source.poll-interval=100ms >/dev/null 2>>"$3" &
  exporter_pid=$!
  pids+=("$exporter_pid")
  local deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -sf -m 2 -o /dev/null "$url/-/ready"; then return 0; fi
    if ! kill -0 "$exporter_pid" 2>/dev/null; then
      fail "the exporter exited at start: $(tail -2 "$3")"
      return 1
    fi
    sleep 0.1
  done
  fail "the exporter was not ready within 60 s"
  return 1
}

# wait_exit PID SECONDS: 0 once PID has exited (its status in $exit_status), 1 if it is still alive.
exit_status=
wait_exit() {
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then return 1; fi
  exit_status=0
  wait "$1" 2>/dev/null || exit_status=$?
}

# The non-zero tserver_event_errors_total series of a scrape as `<error_code> <value>`, sorted.
error_counts() {
  awk '/^tserver_event_errors_total\{/ && $NF != "0" {
         match($0, /error_code="[^"]*"/); print substr($0, RSTART + 12, RLENGTH - 13), $NF }' "$1" |
    LC_ALL=C sort
}

# wait_counts EXPECTED WHAT: passes once /metrics shows exactly EXPECTED (`<code> <count>` lines),
# fails after 30 s.
wait_counts() {
  local deadline=$((SECONDS + 30)) scrape=$work/scrape.prom
  while :; do
    curl -s -m 5 "$url/metrics" >"$scrape" || true
    if cmp -s <(error_counts "$scrape") "$1"; then
      pass "$2: every code's count is what was written ($(awk '{ s += $2 } END { print s }' "$1") EventErrors)"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "$2: after 30 s the counts are not what was written (written | scraped):"
      diff -y -W 60 "$1" <(error_counts "$scrape") | sed 's/^/       /' || true
      return 0 # counted; the checks after it still run
    fi
    sleep 0.5
  done
}

# quiet_log LOG WHAT: the exporter logged no warning or error but the expected one at its first
# start (its glob matched nothing yet): a failed state write, a file it could not open or a
# state file it found corrupt after a kill would show here.
quiet_log() {
  local expected='msg="no file matches .* yet; waiting for it"' unexpected
  unexpected=$(grep -E 'level=(warn|error)' "$1" | grep -v -c "$expected" || true)
  if [ "$unexpected" = 0 ]; then
    pass "$2: no warning or error logged"
  else
    fail "$2: $unexpected warning(s) or error(s) logged, first: $(grep -E 'level=(warn|error)' "$1" |
      grep -v "$expected" | head -1)"
  fi
}

writer_pid=
# start_writer LOGS_DIR EVENTS PER_SECOND SEED COUNTS_FILE
start_writer() {
  wine "$work/log_writer.exe" "$(winpath "$1")" TServer_SfB_01 "$2" "$3" "$4" >"$5" &
  writer_pid=$!
  pids+=("$writer_pid")
}

# finish_writer WHAT: the writer exited 0 within 60 s.
finish_writer() {
  if ! wait_exit "$writer_pid" 60; then
    fail "$1: log_writer.exe still running after 60 s"
    return 1
  elif [ "$exit_status" != 0 ]; then
    fail "$1: log_writer.exe exited $exit_status"
    return 1
  fi
}

echo "== 2. following a folder of rotating segments (port $port)"
follow=$work/follow
mkdir -p "$follow/logs" "$follow/state"
if start_exporter "$follow/state" "$follow/logs" "$follow/exporter.log"; then
  start_writer "$follow/logs" 3600 400 1 "$follow/written"
  if finish_writer follow; then
    wait_counts "$follow/written" "follow"
    sleep 1.5 # past --source.idle-flush: nothing counted twice later
    wait_counts "$follow/written" "follow, 1.5 s later"
  fi

  echo "== 4. a clean stop"
  wine taskkill /IM tserver_exporter.exe >"$work/taskkill.out" 2>&1 || true
  sleep 1
  if kill -0 "$exporter_pid" 2>/dev/null && curl -sf -m 2 -o /dev/null "$url/-/healthy"; then
    pass "taskkill without /F leaves it serving ($(tr -d '\r' <"$work/taskkill.out" | head -1))"
  else
    fail "taskkill without /F stopped it ($(tr -d '\r' <"$work/taskkill.out" | head -1))"
  fi
  kill -INT "$exporter_pid" || true
  if ! wait_exit "$exporter_pid" 15; then
    fail "SIGINT (CTRL_C_EVENT): still running after 15 s"
  elif [ "$exit_status" != 0 ]; then
    fail "SIGINT (CTRL_C_EVENT): exit code $exit_status"
  elif ! grep -q 'msg="SIGINT received; stopping"' "$follow/exporter.log" ||
    ! grep -q 'msg=stopped' "$follow/exporter.log"; then
    fail "SIGINT (CTRL_C_EVENT): exit 0 but the log lacks 'SIGINT received; stopping' and 'stopped'"
  else
    pass "SIGINT (CTRL_C_EVENT): stopped, exit code 0, 'SIGINT received; stopping' and 'stopped' logged"
  fi
  if start_exporter "$follow/state" "$follow/logs" "$follow/exporter.log"; then
    curl -s -m 5 "$url/metrics" >"$work/restarted.prom" || true
    if cmp -s <(error_counts "$work/restarted.prom") "$follow/written"; then
      pass "restarted after the clean stop: the same counts at once"
    else
      fail "restarted after the clean stop: the counts differ from what was written"
    fi
    kill -INT "$exporter_pid" || true
    wait_exit "$exporter_pid" 15 || fail "SIGINT after the restart: still running after 15 s"
  fi
  quiet_log "$follow/exporter.log" "follow and clean stops"
fi

# wait_renamed STATE_FILE: once the segment the state file's position names has been renamed out
# of the glob (log_writer renames a segment three back), so that the restart must find it by its
# file ID in its folder to drain it (it is deleted four segments later, ~5 s: restarted in time).
wait_renamed() {
  local saved deadline=$((SECONDS + 15))
  saved=$(awk -F'\t' '$1 == "position" { print $3; exit }' "$1" | sed 's/\\\\/\//g; s/^Z://')
  if [ -z "$saved" ]; then
    fail "no position in the state file $1"
    return 1
  fi
  while [ -e "$saved" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  if [ -e "$saved" ] || [ ! -e "$saved.done" ]; then
    fail "the saved segment $(basename "$saved") was not renamed to .done within 15 s"
    return 1
  fi
  echo "     the saved segment $(basename "$saved") is now $(basename "$saved").done"
}

echo "== 3. killed hard three times while the writer runs"
torture=$work/torture
mkdir -p "$torture/logs" "$torture/state"
if start_exporter "$torture/state" "$torture/logs" "$torture/exporter.log"; then
  # Every 0.25 s: a scrape, then the state file. A value scraped must be on disk already (the
  # rendering follows the sync), so no later read of the state can be below it.
  (
    n=0
    while [ "$n" -lt 400 ] && [ ! -e "$torture/stop" ]; do
      n=$((n + 1))
      if curl -s -m 2 "$url/metrics" >"$torture/s.prom" 2>/dev/null; then
        cp "$torture/state/tserver_exporter.state" "$torture/s.state" 2>/dev/null || true
        error_counts "$torture/s.prom" | sed "s/^/scrape $n /"
        awk -F'\t' -v n="$n" '$1 == "counter" && $2 == "event_errors" { print "disk", n, $5, $6 }' \
          "$torture/s.state" 2>/dev/null || true
      fi
      sleep 0.25
    done
  ) >"$torture/scrapes.txt" &
  scraper_pid=$!
  pids+=("$scraper_pid")
  start_writer "$torture/logs" 7500 300 2 "$torture/written"
  kills=0
  for how in "kill -9" "taskkill /F" "kill -9"; do
    sleep 4
    # Quiet: bash reports a job killed by a signal ("Killed") on its standard error.
    if ! {
      if [ "$how" = "kill -9" ]; then
        kill -9 "$exporter_pid" || true
      else
        wine taskkill /F /IM tserver_exporter.exe >/dev/null || true
      fi
      wait_exit "$exporter_pid" 15
    } 2>/dev/null; then
      fail "$how: the exporter still runs after 15 s"
      break
    fi
    kills=$((kills + 1))
    echo "     killed by $how (status $exit_status) at $((SECONDS - started)) s"
    if [ "$how" = "taskkill /F" ] && ! wait_renamed "$torture/state/tserver_exporter.state"; then
      break
    fi
    start_exporter "$torture/state" "$torture/logs" "$torture/exporter.log" || break
  done
  if [ "$kills" = 3 ] && finish_writer "kill and restart"; then
    wait_counts "$torture/written" "after $kills hard kills"
  fi
  touch "$torture/stop" # after a whole scrape and its state: a kill could split the two
  wait_exit "$scraper_pid" 10 || fail "the scraper did not stop within 10 s"
  scrapes=$(awk '$1 == "scrape" { print $2 }' "$torture/scrapes.txt" | sort -u | wc -l)
  problems=$(awk '
    function report(text) { if (++reported <= 5) print text }
    $1 == "scrape" { if ($4 < top[$3]) report("decrease: " $3 " " top[$3] " -> " $4)
                     if ($4 > top[$3]) top[$3] = $4
                     scraped[$2, $3] = $4 }
    $1 == "disk" && (($2, $3) in scraped) && $4 < scraped[$2, $3] {
                     report("not on disk: " $3 " " scraped[$2, $3] " scraped, " $4 " on disk") }
    $1 == "disk" { disk[$2, $3] = $4 }
    END { for (k in scraped) { split(k, p, SUBSEP)
            if (!((p[1], p[2]) in disk) && scraped[k] > 0)
              report("not on disk: " p[2] " " scraped[k] " scraped, none on disk") } }
  ' "$torture/scrapes.txt")
  if [ "$scrapes" -lt 20 ]; then
    fail "scrapes during the kills: only $scrapes answered"
  elif [ -n "$problems" ]; then
    fail "scrapes during the kills: $problems"
  else
    pass "$scrapes scrapes during the kills: no counter went down, each value scraped was on disk"
  fi
  kill -INT "$exporter_pid" 2>/dev/null || true
  wait_exit "$exporter_pid" 15 || true
  quiet_log "$torture/exporter.log" "kills and restarts"
fi

echo "== 5. standard input in daemon mode (a reader thread on Windows: pipes are not overlapped)"
stdin_dir=$work/stdin
mkdir -p "$stdin_dir/state"
awk -F'\t' '!/^#/ { print $3, $4 }' "$data/sample/EXPECTED.tsv" | LC_ALL=C sort >"$stdin_dir/expected"
(
  cat "$data"/sample/*.log
  sleep 3 # the pipe stays open while the counts are checked
) | wine "$win_exe" --source.stdin --web.listen-address="127.0.0.1:$port" \
  --storage.path="$(winpath "$stdin_dir/state")" >/dev/null 2>"$stdin_dir/exporter.log" &
exporter_pid=$!
pids+=("$exporter_pid")
wait_counts "$stdin_dir/expected" "the sample on standard input"
deadline=$((SECONDS + 15))
until grep -q 'msg="standard input ended; serving the counts"' "$stdin_dir/exporter.log" ||
  [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
if curl -sf -m 2 -o /dev/null "$url/-/healthy" &&
  grep -q 'msg="standard input ended; serving the counts"' "$stdin_dir/exporter.log"; then
  pass "standard input ended: said so, still serving"
else
  fail "standard input ended: not logged within 15 s, or no longer serving"
fi
kill -INT "$exporter_pid" 2>/dev/null || true
wait_exit "$exporter_pid" 15 || fail "SIGINT with standard input ended: still running after 15 s"
quiet_log "$stdin_dir/exporter.log" "standard input"

echo "== $failures failure(s), $once_cases --once cases, $((SECONDS - started)) s"
[ "$failures" = 0 ]
