#!/usr/bin/env bash
# The Windows service and the MSI, under wine, from Linux (deploy/windows/PORTING.md §5):
#   tests/windows/service_msi.sh BUILD_DIR     (deploy/windows/build.sh's BUILD_DIR)
# (a) `sc create` + `sc start` runs tserver_exporter.exe --windows.service on a log of the test
#     data; curl scrapes an exact count; `sc stop` saves the state file in the default state
#     directory (%ProgramData%\tserver_exporter\data), the log file says the stop was graceful,
#     and the process is gone; `sc delete`.
# (b) the MSI's tables (msiinfo); `msiexec /i` installs the files, creates the configuration
#     from the example and starts the service, which answers on its default port 10057;
#     `msiexec /x` removes the service and the program files and leaves %ProgramData%.
# A throwaway WINEPREFIX under a temporary directory: ~/.wine is never touched. Exit 0: passed.
# TSE_KEEP=1 keeps the temporary directory (prefix, logs, state) for a look after a failure.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^project(tserver_exporter VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
exe=$build/tserver_exporter.exe
msi=$build/tserver_exporter-$version-windows-amd64.msi
for f in "$exe" "$msi"; do
  [ -f "$f" ] || { echo "FAIL: $f is missing (deploy/windows/build.sh $1 builds it)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/tse-service-msi.XXXXXX)
export WINEPREFIX=$tmp/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEARCH=win64
unset DISPLAY
cleanup() {
  exec 9>&- 2>/dev/null || true
  wineserver -k >/dev/null 2>&1 || true  # this prefix's server, its services with it
  [ -n "${TSE_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

step() { echo "--- $*"; }
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  for log in "$programdata/logs/tserver_exporter.log"; do
    [ -f "$log" ] && { echo "--- $log:" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

# A TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_is_free() {
  python3 -c 'import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0)' "$1"
}

# This prefix's tserver_exporter.exe processes, told from any other test's by their working
# directory: a service's is in the prefix (C:\windows), and a service has no WINEPREFIX in its
# environment to tell by.
exporter_pids() {
  local pid
  for pid in $(pgrep -f '^[A-Z]:.*tserver_exporter\.exe' || true); do
    case $(readlink "/proc/$pid/cwd" 2>/dev/null) in "$WINEPREFIX"/*) echo "$pid" ;; esac
  done
}

# Polls `url` until it answers 200 (the service is ready) or 90 s pass.
wait_for_http() {
  local url=$1 i
  for i in $(seq 1 180); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  return 1
}

wait_for_no_exporter() {
  local i
  for i in $(seq 1 60); do
    [ -z "$(exporter_pids)" ] && return 0
    sleep 0.5
  done
  return 1
}

step "wine prefix $WINEPREFIX"
# The prefix made, then everything wineboot started left to end: a server started beside
# wineboot makes a second services.exe in the same prefix, and `sc` then talks to either
# (ERROR_SERVICE_DOES_NOT_EXIST, ERROR_SERVICE_DATABASE_LOCKED by turns).
wineboot -i >/dev/null 2>&1
wineserver -w
wineserver -p >/dev/null 2>&1 &
# Wine ends its services when the prefix's last ordinary process ends (a real Windows runs them
# until stopped): a cmd.exe waiting on a pipe that this script holds open keeps them alive.
mkfifo "$tmp/hold"
wine cmd <"$tmp/hold" >/dev/null 2>&1 &
exec 9>"$tmp/hold"
programdata=$WINEPREFIX/drive_c/ProgramData/tserver_exporter
programfiles="$WINEPREFIX/drive_c/Program Files/tserver_exporter"
[ -d "$WINEPREFIX/drive_c/ProgramData" ] || fail "wineboot made no C:\\ProgramData"

# --- (a) the service under sc --------------------------------------------------------------------
step "(a) sc create / start / stop / delete"
mkdir -p "$tmp/a/logs"
cp "$repo/tests/data/logs/shape_a.log" "$tmp/a/logs/"
# The exact line the golden test expects of this log.
expected=$(grep '^tserver_event_errors_total{error_code="57",' "$repo/tests/data/golden/shape_a.log.prom")
[ "$expected" = 'tserver_event_errors_total{error_code="57",error_name="TERR_TIMEOUT",tserver="ts_shape_a"} 2' ] ||
  fail "the golden line changed: $expected"
port=$(free_port)
logs_win=$(winepath -w "$tmp/a/logs")
cat >"$tmp/a/config.yml" <<EOF
sources:
  - file: '$logs_win\\*.log'
source:
  from_beginning: true
storage:
  write_interval: 1h  # written at a scrape and at the stop alone
web:
  listen_addresses: ['127.0.0.1:$port']
EOF
config_win=$(winepath -w "$tmp/a/config.yml")
exe_win=$(winepath -w "$exe")
wine sc create tse_test binpath= "$exe_win --windows.service --config.file=$config_win" \
  >/dev/null 2>&1 || fail "sc create"
out=$(WINEDEBUG=err+sc wine sc start tse_test 2>&1) || fail "sc start: $out"
wait_for_http "http://127.0.0.1:$port/-/ready" || fail "the service did not answer /-/ready on :$port"
ok "the service is ready on 127.0.0.1:$port"
metrics=$(curl -fsS "http://127.0.0.1:$port/metrics")
grep -qxF "$expected" <<<"$metrics" || fail "/metrics lacks: $expected"
ok "/metrics has: $expected"
[ "$(exporter_pids | wc -l)" -eq 1 ] || fail "expected one tserver_exporter.exe, found: $(exporter_pids)"
log=$programdata/logs/tserver_exporter.log
grep -q 'msg="tserver_exporter .* listening on 127.0.0.1:'"$port"', metrics at /metrics"' "$log" ||
  fail "$log has no listening line"
ok "the service logs to C:\\ProgramData\\tserver_exporter\\logs\\tserver_exporter.log"
state=$programdata/data/tserver_exporter.state
grep -q 'ts_shape_a' "$state" || fail "the scrape did not write the state file first"
# A log that appears now is read at the next poll, but no scrape and no write_interval writes
# it down: only the stop can.
cp "$repo/tests/data/logs/shape_b.log" "$tmp/a/logs/"
sleep 3
! grep -q 'ts_shape_b' "$state" || fail "the state was written before the stop"
wine sc stop tse_test >/dev/null 2>&1 || fail "sc stop"
wait_for_no_exporter || fail "tserver_exporter.exe still runs 30 s after sc stop"
ok "the process is gone after sc stop"
grep -q 'msg="service stop requested; stopping"' "$log" || fail "no graceful stop in the log"
grep -q 'msg=stopped' "$log" || fail "no \"stopped\" line in the log"
ok "the log says: service stop requested; stopping ... stopped"
[ -f "$state" ] || fail "no C:\\ProgramData\\tserver_exporter\\data\\tserver_exporter.state after the stop"
grep -q 'ts_shape_b' "$state" || fail "the stop did not write the state: no ts_shape_b in it"
ok "the stop wrote C:\\ProgramData\\tserver_exporter\\data\\tserver_exporter.state"
wine sc delete tse_test >/dev/null 2>&1 || fail "sc delete"
if wine sc start tse_test >/dev/null 2>&1; then fail "sc start succeeded after sc delete"; fi
ok "sc delete removed the service"
# A configuration the service cannot run: the reason in its log, the process gone. (Its exit
# code, service-specific 2, is for `sc query`, which wine's sc lacks.)
wine sc create tse_bad binpath= "$exe_win --windows.service --config.file=$(winepath -w "$tmp/a/none.yml")" \
  >/dev/null 2>&1 || fail "sc create tse_bad"
wine sc start tse_bad >/dev/null 2>&1 || true
sleep 1
wait_for_no_exporter || fail "a service with a bad configuration still runs"
grep -q '^ts=.* level=error msg=".*none.yml: cannot read the configuration file' "$log" ||
  fail "the log does not say why the service could not start"
ok "a bad configuration: the service ends, its log says why"
wine sc delete tse_bad >/dev/null 2>&1 || fail "sc delete tse_bad"
rm -rf "$programdata"

# --- (b) the MSI -------------------------------------------------------------------------------
step "(b) $(basename "$msi")"
tables=$(msiinfo tables "$msi")
for t in ServiceInstall ServiceControl CustomAction Registry File; do
  grep -qx "$t" <<<"$tables" || fail "the MSI has no $t table"
done
ok "tables ServiceInstall, ServiceControl, CustomAction, Registry, File"
row() { msiinfo export "$msi" "$1" | tr -d '\r' | tail -n +4; }  # CRLF lines
arguments='--windows.service --config.file="[CommonAppDataFolder]tserver_exporter\tserver_exporter.yml"'
# Name, DisplayName, own process (16), automatic (2), normal errors (1), no account (LocalSystem).
# Columns Name, ServiceType, StartType, ErrorControl, StartName, Arguments, Component_.
[ "$(row ServiceInstall | cut -f2,4,5,6,9,11,12)" = "tserver_exporter	16	2	1		$arguments	Program" ] ||
  fail "ServiceInstall row: $(row ServiceInstall)"
ok "ServiceInstall: tserver_exporter, own process, auto start, LocalSystem, $arguments"
# Start on install (1), stop on install and uninstall (2 + 32), delete on uninstall (128), wait.
[ "$(row ServiceControl | cut -f2,3,5,6)" = "tserver_exporter	163	1	Program" ] ||
  fail "ServiceControl row: $(row ServiceControl)"
ok "ServiceControl: started on install, stopped and deleted on uninstall"
# Deferred (1024), no impersonation (2048), an installed exe with arguments (18).
[ "$(row CustomAction | cut -f1-4)" = 'InstallConfig	3090	tserver_exporter.exe	--windows.install-config="[CommonAppDataFolder]tserver_exporter\tserver_exporter.yml"' ] ||
  fail "CustomAction row: $(row CustomAction)"
[ "$(row InstallExecuteSequence | grep '^InstallConfig' | cut -f3)" = 5700 ] ||
  fail "InstallConfig is not between InstallFiles (4000) and InstallServices (5800)"
ok "CustomAction: the configuration from the example, as SYSTEM, before InstallServices"
files=$(row File | cut -f3 | sort | tr '\n' ' ')
[ "$files" = "LICENSE README.md tlib-error-codes.yml tserver-exporter.json tserver-exporter.rules.yml tserver_exporter.example.yml tserver_exporter.exe " ] ||
  fail "File rows: $files"
ok "File: $files"
grep -q 'EventLog\\Application\\tserver_exporter\\	EventMessageFile	\[#tserver_exporter.exe\]' <<<"$(row Registry)" ||
  fail "Registry: no event log source: $(row Registry)"
ok "Registry: the Application event log source tserver_exporter"

port_is_free 10057 || fail "port 10057 is in use: the installed service could not listen on it"
wine msiexec /i "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || fail "msiexec /i"
for f in tserver_exporter.exe tserver_exporter.example.yml tlib-error-codes.yml README.md LICENSE \
  prometheus/tserver-exporter.rules.yml grafana/tserver-exporter.json; do
  [ -f "$programfiles/$f" ] || fail "not installed: C:\\Program Files\\tserver_exporter\\$f"
done
ok "installed in C:\\Program Files\\tserver_exporter"
cmp -s "$repo/config/tserver_exporter.yml" "$programdata/tserver_exporter.yml" ||
  fail "C:\\ProgramData\\tserver_exporter\\tserver_exporter.yml was not made from the example"
ok "C:\\ProgramData\\tserver_exporter\\tserver_exporter.yml created from the example"
wait_for_http "http://127.0.0.1:10057/-/ready" || fail "the installed service does not answer on :10057"
metrics=$(curl -fsS "http://127.0.0.1:10057/metrics")
line='tserver_event_errors_total{error_code="57",error_name="TERR_TIMEOUT",tserver="TServer_SfB_01"} 0'
grep -qxF "$line" <<<"$metrics" || fail "/metrics on :10057 lacks: $line"
ok "the installed service answers on :10057: $line"
# A configuration of the user's own survives a reinstall: the example is copied only if absent.
echo "# edited" >>"$programdata/tserver_exporter.yml"

wine msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || fail "msiexec /x"
wait_for_no_exporter || fail "tserver_exporter.exe still runs after msiexec /x"
ok "the service is stopped by the uninstall"
[ ! -e "$programfiles/tserver_exporter.exe" ] || fail "msiexec /x left tserver_exporter.exe"
[ -z "$(find "$programfiles" -type f 2>/dev/null)" ] || fail "msiexec /x left files: $(find "$programfiles" -type f)"
ok "msiexec /x removed the program files"
if wine sc start tserver_exporter >/dev/null 2>&1; then fail "the service still exists after msiexec /x"; fi
ok "msiexec /x deleted the service"
[ -f "$programdata/tserver_exporter.yml" ] && tail -n 1 "$programdata/tserver_exporter.yml" | grep -qx '# edited' ||
  fail "msiexec /x did not leave C:\\ProgramData\\tserver_exporter\\tserver_exporter.yml"
[ -n "$(find "$programdata/data" -type f 2>/dev/null)" ] || fail "msiexec /x did not leave the state"
[ -f "$programdata/logs/tserver_exporter.log" ] || fail "msiexec /x did not leave the log"
ok "C:\\ProgramData\\tserver_exporter kept: configuration, state, logs"

wine msiexec /i "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || fail "msiexec /i (again)"
tail -n 1 "$programdata/tserver_exporter.yml" | grep -qx '# edited' ||
  fail "a reinstall overwrote the user's configuration"
ok "a reinstall keeps the user's configuration"
wait_for_http "http://127.0.0.1:10057/-/ready" || fail "the reinstalled service does not answer"
wine msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || fail "msiexec /x (again)"
wait_for_no_exporter || fail "tserver_exporter.exe still runs after the second msiexec /x"
echo "PASS: service and MSI under wine"
