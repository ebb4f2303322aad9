# shellcheck shell=bash
# Shared by the tests/deploy/*.sh scripts (sourced, never run): a temp dir, processes that are
# always stopped at exit, bounded waits, and the exporter started on a free port.
#
# Exit codes: 0 passed, 1 failed, 77 skipped (SKIP_RETURN_CODE in tests/deploy/CMakeLists.txt).

set -euo pipefail

tse_test_name=$(basename "$0" .sh)
tse_tmp=$(mktemp -d "${TMPDIR:-/tmp}/tse-${tse_test_name}.XXXXXX")
tse_pids=()   # processes to stop at exit
tse_logs=()   # files to print if the test fails

# Stops every process started here (SIGTERM, then SIGKILL after 5 s), prints the logs on
# failure, removes the temp dir. Runs at every exit, also after SIGINT/SIGTERM.
tse_cleanup() {
  local rc=$? pid waited
  trap - EXIT INT TERM
  for pid in "${tse_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${tse_pids[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
    local log
    for log in "${tse_logs[@]}"; do
      [ -s "$log" ] || continue
      echo "----- $(basename "$log") (last 40 lines)" >&2
      tail -n 40 "$log" >&2
    done
  fi
  rm -rf "$tse_tmp"
  exit "$rc"
}
trap tse_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

skip() {
  echo "SKIP: $*"
  exit 77
}

pass() {
  echo "PASS: $*"
}

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every 0.1 s until it succeeds; fails the test
# after SECONDS.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "$what: not within ${seconds} s"
    fi
    sleep 0.1
  done
}

# http_get URL: the body, or a non-zero exit; never waits more than 3 s.
http_get() {
  curl -fsS --max-time 3 "$1"
}

# A TCP port on 127.0.0.1 that nothing listens on now (another process may still take it
# before we do: callers retry).
free_port() {
  local port tries=0
  while [ "$tries" -lt 100 ]; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$((tries + 1))
  done
  fail "no free port found"
}

# start_exporter BINARY [FLAGS...]: starts the exporter on 127.0.0.1, a port of the kernel's
# choosing (read back from its "listening on" line), and sets EXPORTER_PID, EXPORTER_PORT and
# EXPORTER_LOG.
start_exporter() {
  local binary=$1
  shift
  EXPORTER_LOG="$tse_tmp/exporter.log"
  tse_logs+=("$EXPORTER_LOG")
  : >"$EXPORTER_LOG"  # before the child opens it: the sed below may run first
  "$binary" --web.listen-address=127.0.0.1:0 "$@" 2>"$EXPORTER_LOG" &
  EXPORTER_PID=$!
  tse_pids+=("$EXPORTER_PID")
  local deadline=$((SECONDS + 10))
  EXPORTER_PORT=""
  while [ -z "$EXPORTER_PORT" ]; do
    kill -0 "$EXPORTER_PID" 2>/dev/null || fail "the exporter exited at start"
    [ "$SECONDS" -lt "$deadline" ] || fail "the exporter did not say where it listens within 10 s"
    EXPORTER_PORT=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9][0-9]*\),.*/\1/p' "$EXPORTER_LOG")
    [ -n "$EXPORTER_PORT" ] || sleep 0.05
  done
}

# stop_process PID: SIGTERM, waits (fails the test if it does not stop within 10 s), and sets
# STOPPED_RC to its exit code. Not in a $(...): the process must be this shell's child.
# shellcheck disable=SC2034  # STOPPED_RC is read by the caller
stop_process() {
  local pid=$1 waited=0 kept=() p
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    [ "$waited" -lt 100 ] || fail "process $pid did not stop within 10 s of SIGTERM"
    sleep 0.1
    waited=$((waited + 1))
  done
  STOPPED_RC=0
  wait "$pid" || STOPPED_RC=$?
  for p in "${tse_pids[@]}"; do
    [ "$p" = "$pid" ] || kept+=("$p")
  done
  tse_pids=("${kept[@]}")
}

# A T-Server log segment header (section 1 of the log format), as the T-Server writes it.
# segment_header APPLICATION_NAME FILE_NAME
segment_header() {
  printf 'Application name:\t%s\n' "$1"
  printf 'Application type:\tTServer\n'
  printf 'Application version:\t8.5.001.23\n'
  printf 'Host name:\tSFBTS01\n'
  printf 'Host type:\twindows\n'
  printf 'Local time:\t2025-12-17T10:15:00.123\n'
  printf 'Start time (UTC):\t2025-12-17T07:58:41.906\n'
  printf 'Time zone:\tGMT Standard Time (UTC+00:00)\n'
  printf 'Running in:\tprimary mode\n'
  printf 'File:\t(1) D:\\GCTI\\logs\\%s\\%s\n' "$1" "$2"
  printf '\n'
}

# One client request answered by an EventError, as in tests/data/logs/shape_a.log:
# event_error SEQUENCE_NUMBER CODE 'MESSAGE' REQUEST
event_error() {
  local seq=$1 code=$2 message=$3 request=$4
  printf '2025-12-17T10:16:%02d.100 Trc 04541 %s received from [724] (0000002a WDE_01 10.1.2.3:51234)\n' \
    "$((seq % 60))" "$request"
  printf 'message %s\n' "$request"
  printf "\tAttributeThisDN\t'sip:agent1@contoso.com'\n"
  printf '\tAttributeReferenceID\t%d\n' "$seq"
  printf '@10:16:%02d.2000 [0] 8.5.001.23 send_to_client: message EventError\n' "$((seq % 60))"
  printf '\tAttributeEventSequenceNumber\t%016x\n' "$((0xa2000 + seq))"
  printf '\tAttributeTimeinuSecs\t200000\n'
  printf '\tAttributeTimeinSecs\t1765966560 (10:16:00)\n'
  printf "\tAttributeErrorMessage\t'%s'\n" "$message"
  printf '\tAttributeErrorCode\t%d\n' "$code"
  printf '\tAttributeReferenceID\t%d\n' "$seq"
  printf "\tAttributeThisDN\t'sip:agent1@contoso.com'\n"
  printf '2025-12-17T10:16:%02d.200 Trc 04542 EventError sent to [724] (0000002a WDE_01 10.1.2.3:51234)\n' \
    "$((seq % 60))"
}

# start_prometheus BINARY CONFIG_FILE: starts a real Prometheus on a free loopback port (again
# on another one if that was taken in between) with its TSDB in the temp dir, waits until it is
# ready, and sets PROMETHEUS_API (http://127.0.0.1:PORT/api/v1) and PROMETHEUS_PID.
start_prometheus() {
  local binary=$1 config=$2 port attempt deadline
  local log=$tse_tmp/prometheus.log
  tse_logs+=("$log")
  mkdir -p "$tse_tmp/tsdb"
  PROMETHEUS_API=""
  for attempt in 1 2 3; do
    port=$(free_port)
    "$binary" --config.file="$config" --storage.tsdb.path="$tse_tmp/tsdb" \
      --web.listen-address="127.0.0.1:$port" --log.level=warn >"$log" 2>&1 &
    PROMETHEUS_PID=$!
    tse_pids+=("$PROMETHEUS_PID")
    deadline=$((SECONDS + 15))
    while kill -0 "$PROMETHEUS_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      if http_get "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        PROMETHEUS_API="http://127.0.0.1:$port/api/v1"
        return 0
      fi
      sleep 0.1
    done
    kill -0 "$PROMETHEUS_PID" 2>/dev/null && fail "Prometheus not ready within 15 s"
    echo "Prometheus did not start on port $port (attempt $attempt)" >&2
  done
  fail "Prometheus did not start"
}

# start_prometheus_on_exporter BINARY RULES: start_prometheus with a scrape and evaluation
# interval of 1 s, the alerting rules RULES, and one job "tserver" scraping the exporter that
# start_exporter started.
start_prometheus_on_exporter() {
  cat >"$tse_tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $2
scrape_configs:
  - job_name: tserver
    static_configs:
      - targets: ["127.0.0.1:$EXPORTER_PORT"]
EOF
  start_prometheus "$1" "$tse_tmp/prometheus.yml"
}

# query PROMQL [TIME]: Prometheus's JSON answer to an instant query (at PROMETHEUS_API); fails
# the test on an error.
query() {
  local args=(--data-urlencode "query=$1")
  [ $# -lt 2 ] || args+=(--data-urlencode "time=$2")
  local answer
  answer=$(curl -sS --max-time 3 "${args[@]}" "$PROMETHEUS_API/query") || fail "query $1: no answer"
  [ "$(jq -r .status <<<"$answer")" = success ] || fail "query $1: $answer"
  printf '%s\n' "$answer"
}

# scalar PROMQL [TIME]: the value of a one-element instant vector, or "none".
scalar() {
  query "$@" | jq -r '.data.result | if length == 1 then .[0].value[1] else "none" end'
}
