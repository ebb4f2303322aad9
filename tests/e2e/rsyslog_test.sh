#!/usr/bin/env bash
# A real shipper: rsyslog reads a T-Server log with imfile and forwards each line to the
# exporter over TCP (RFC 5424, octet counting), as on a site that cannot mount the log folder.
# Pass: the counts scraped equal `tserver_exporter --once` on the same file, exactly.
#   rsyslog_test.sh TSERVER_EXPORTER SAMPLE_LOG
set -euo pipefail
exporter=$1
sample=$2
command -v rsyslogd >/dev/null || { echo "rsyslogd not installed: skipped"; exit 77; }

dir=$(mktemp -d)
cleanup() {
  [ -f "$dir/rsyslog.pid" ] && kill "$(cat "$dir/rsyslog.pid")" 2>/dev/null || true
  [ -n "${exporter_pid:-}" ] && kill "$exporter_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/logs" "$dir/work" "$dir/state"

"$exporter" --web.listen-address=127.0.0.1:0 --storage.path="$dir/state" \
  --source.syslog=tcp://127.0.0.1:0 2>"$dir/exporter.err" &
exporter_pid=$!
for _ in $(seq 100); do
  grep -q 'port [0-9]' "$dir/exporter.err" 2>/dev/null && grep -q 'listening on' "$dir/exporter.err" && break
  sleep 0.1
done
http=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/exporter.err")
syslog=$(sed -n 's/.*receiving syslog on tcp:\/\/127.0.0.1:0, port \([0-9]*\).*/\1/p' "$dir/exporter.err")
[ -n "$http" ] && [ -n "$syslog" ] || { cat "$dir/exporter.err"; echo "exporter did not start"; exit 1; }

cat >"$dir/rsyslog.conf" <<CONF
global(workDirectory="$dir/work"
       parser.escapeControlCharactersOnReceive="off"
       parser.escapeControlCharacterTab="off")
module(load="imfile" mode="polling" PollingInterval="1")
input(type="imfile" file="$dir/logs/TServer_SfB_01.log" tag="TServer_SfB_01" freshStartTail="off")
action(type="omfwd" target="127.0.0.1" port="$syslog" protocol="tcp"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
CONF
rsyslogd -N1 -f "$dir/rsyslog.conf" >/dev/null 2>&1 || { rsyslogd -N1 -f "$dir/rsyslog.conf"; exit 1; }
cp "$sample" "$dir/logs/TServer_SfB_01.log"
rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" 2>"$dir/rsyslog.err" &

expected=$("$exporter" --once --source.file="$sample" | grep '^tserver_event_errors_total{' | sort)
lines=$(wc -l <"$sample")
for _ in $(seq 150); do
  got=$(curl -s "http://127.0.0.1:$http/metrics" | grep '^tserver_event_errors_total{' | sort || true)
  [ "$got" = "$expected" ] && break
  sleep 0.2
done
if [ "$got" != "$expected" ]; then
  echo "FAIL: counts through rsyslog differ from --once"
  diff <(echo "$expected") <(echo "$got") || true
  curl -s "http://127.0.0.1:$http/metrics" | grep listener_ || true
  cat "$dir/rsyslog.err" "$dir/exporter.err"
  exit 1
fi
messages=$(curl -s "http://127.0.0.1:$http/metrics" |
  sed -n 's/^tserver_exporter_listener_messages_total{listener="tcp:\/\/127.0.0.1:0"} //p')
if [ "${messages:-0}" -lt 400 ]; then
  echo "FAIL: only ${messages:-0} messages came through rsyslog (the log has $lines lines)"
  exit 1
fi
echo "rsyslog: $messages of $lines lines forwarded;" \
  "$(echo "$got" | grep -vc ' 0$') non-zero series equal to --once"
