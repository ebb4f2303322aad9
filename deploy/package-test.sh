#!/usr/bin/env bash
# Builds the Debian package from a Release build directory, installs it, and runs what it
# installed the way the systemd unit would: as the package's user, with the flags of the
# packaged /etc/default/tserver-exporter (the log glob and the listen address replaced by a temp
# copy of the sample log and a free port), then scrapes it. Run as root (dpkg -i).
#   deploy/package-test.sh BUILD_DIR
# Exits non-zero on any failure. Always stops the exporter, removes its temp files, and purges
# the package again (and the system user, if this run created it); a tserver-exporter package
# that was installed before is left installed, at the version built here.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ $# -ne 1 ]; then
  echo "usage: deploy/package-test.sh BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: run as root (dpkg -i)" >&2
  exit 1
fi
if grep -q '^TSE_SANITIZE:BOOL=ON' "$build_dir/CMakeCache.txt"; then
  echo "package-test: $build_dir is a sanitizer build; package a Release build" >&2
  exit 1
fi

start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tse-package-test.XXXXXX")
exporter_pid=""
installed_here=false
user_created_here=false
getent passwd tserver-exporter >/dev/null || user_created_here=true
dpkg-query -W -f='${Status}' tserver-exporter 2>/dev/null | grep -q "install ok installed" ||
  installed_here=true

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$exporter_pid" ] && kill -0 "$exporter_pid" 2>/dev/null; then
    kill -TERM "$exporter_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$exporter_pid" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ] && [ -s "$tmp/exporter.log" ]; then
    echo "----- exporter log" >&2
    tail -n 30 "$tmp/exporter.log" >&2
  fi
  if $installed_here; then
    dpkg --purge tserver-exporter >/dev/null 2>&1 || echo "package-test: dpkg --purge failed" >&2
  fi
  if $user_created_here && getent passwd tserver-exporter >/dev/null; then
    userdel tserver-exporter 2>/dev/null || true
    if getent group tserver-exporter >/dev/null; then
      groupdel tserver-exporter 2>/dev/null || true
    fi
  fi
  rm -rf "$tmp"
  if [ "$rc" -eq 0 ]; then
    echo "package-test: passed in $((SECONDS - start)) s"
  else
    echo "package-test: FAILED" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}

# 1. The package.
cmake --build "$build_dir" --target tserver_exporter
rm -f "$build_dir"/package/tserver-exporter_*.deb
(cd "$build_dir" && cpack -G DEB -B "$build_dir/package") >"$tmp/cpack.log" 2>&1 || {
  cat "$tmp/cpack.log" >&2
  fail "cpack"
}
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
deb=$build_dir/package/tserver-exporter_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "cpack made no $(basename "$deb"): $(ls "$build_dir/package")"
echo "package-test: built $deb"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libprometheus-cpp-core1.0 libspdlog1.10 libfmt9; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/default/tserver-exporter ||
  fail "/etc/default/tserver-exporter is not a conffile"

# 2. Installed.
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || {
  cat "$tmp/dpkg.log" >&2
  fail "dpkg -i $(basename "$deb")"
}
for f in /usr/bin/tserver_exporter /usr/lib/systemd/system/tserver-exporter.service \
  /etc/default/tserver-exporter \
  /usr/share/tserver-exporter/prometheus/tserver-exporter.rules.yml \
  /usr/share/tserver-exporter/prometheus/prometheus.yml \
  /usr/share/tserver-exporter/grafana/tserver-exporter.json \
  /usr/share/doc/tserver-exporter/copyright; do
  [ -f "$f" ] || fail "not installed: $f"
done
# The copyright file is Debian's machine-readable format, and names the license.
copyright=/usr/share/doc/tserver-exporter/copyright
head -n 1 "$copyright" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
  fail "$copyright is not in DEP-5 format"
grep -qx 'License: Apache-2.0' "$copyright" || fail "$copyright names no Apache-2.0 license"
getent passwd tserver-exporter >/dev/null || fail "postinst created no user tserver-exporter"
shell=$(getent passwd tserver-exporter | cut -d: -f7)
[ "$shell" = /usr/sbin/nologin ] || fail "user tserver-exporter has the shell $shell"
[ -d /var/lib/tserver-exporter ] || fail "postinst created no /var/lib/tserver-exporter"
[ "$(stat -c %U /var/lib/tserver-exporter)" = tserver-exporter ] ||
  fail "/var/lib/tserver-exporter is not owned by tserver-exporter"

/usr/bin/tserver_exporter --version | tee "$tmp/version"
grep -q "^tserver_exporter $version " "$tmp/version" || fail "--version does not say $version"

# 3. Run as the unit would, on a copy of the sample log (readable by the service user).
mkdir -p "$tmp/logs" "$tmp/state"
cp "$repo"/tests/data/sample/*.log "$tmp/logs/"
chmod 0755 "$tmp" "$tmp/logs"
chmod 0644 "$tmp"/logs/*.log
chown tserver-exporter:tserver-exporter "$tmp/state"

# The packaged ARGS, as the unit passes them (split at white space, never globbed), less the
# log glob and the listen address, which are the test's own.
ARGS=""
# shellcheck source=/dev/null
. /etc/default/tserver-exporter
[ -n "$ARGS" ] || fail "/etc/default/tserver-exporter sets no ARGS"
set -f
args=()
for word in $ARGS; do
  case "$word" in
    --source.file=* | --web.listen-address=*) ;;
    *) args+=("$word") ;;
  esac
done
set +f
args+=(--source.file="$tmp/logs/*.log" --source.from-beginning --web.listen-address=127.0.0.1:0)
# setpriv execs the exporter as the service user (no process in between to catch signals).
echo "package-test: as tserver-exporter: /usr/bin/tserver_exporter --storage.path=$tmp/state ${args[*]}"
setpriv --reuid=tserver-exporter --regid=tserver-exporter --init-groups --no-new-privs \
  /usr/bin/tserver_exporter --storage.path="$tmp/state" "${args[@]}" 2>"$tmp/exporter.log" &
exporter_pid=$!

port=""
deadline=$((SECONDS + 10))
while [ -z "$port" ]; do
  kill -0 "$exporter_pid" 2>/dev/null || fail "the installed exporter exited at start"
  [ "$SECONDS" -lt "$deadline" ] || fail "the installed exporter did not listen within 10 s"
  port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9][0-9]*\),.*/\1/p' "$tmp/exporter.log")
  [ -n "$port" ] || sleep 0.1
done

# 4. Scraped: every non-zero count of the sample's EXPECTED.tsv, once the whole log is read.
counted() {
  curl -fsS --max-time 3 "http://127.0.0.1:$port/metrics" >"$tmp/metrics.prom" 2>/dev/null ||
    return 1
  local case_ tserver code count
  while IFS=$'\t' read -r case_ tserver code count; do
    [ "${case_:0:1}" != "#" ] || continue
    grep -q "^tserver_event_errors_total{error_code=\"$code\",.*tserver=\"$tserver\"} $count\$" \
      "$tmp/metrics.prom" || return 1
  done <"$repo/tests/data/sample/EXPECTED.tsv"
}
deadline=$((SECONDS + 15))
until counted; do
  [ "$SECONDS" -lt "$deadline" ] || {
    grep '^tserver_event_errors_total.* [1-9]' "$tmp/metrics.prom" >&2 || true
    fail "the scrape does not show the counts of tests/data/sample/EXPECTED.tsv within 15 s"
  }
  sleep 0.2
done
total=$(awk '/^tserver_event_errors_total\{/ {s += $NF} END {print s + 0}' "$tmp/metrics.prom")
[ "$total" -gt 0 ] || fail "no EventError counted"
grep -q "^tserver_exporter_build_info{revision=\"[^\"]*\",version=\"$version\"} 1\$" "$tmp/metrics.prom" ||
  fail "tserver_exporter_build_info does not say version $version"
echo "package-test: the installed exporter serves $total EventErrors of the sample, as expected"

# 5. Reload (ExecReload: SIGHUP) reads the configuration again, keeps it running and every
#    count as it was; SIGTERM stops it cleanly, with its state file written as the service user.
kill -HUP "$exporter_pid"
deadline=$((SECONDS + 5))
until grep -q 'reload: the configuration is applied' "$tmp/exporter.log"; do
  kill -0 "$exporter_pid" 2>/dev/null || fail "SIGHUP stopped the exporter"
  [ "$SECONDS" -lt "$deadline" ] || fail "SIGHUP did not reload the configuration within 5 s"
  sleep 0.1
done
curl -fsS --max-time 3 "http://127.0.0.1:$port/-/healthy" >/dev/null || fail "not healthy after SIGHUP"
curl -fsS --max-time 3 "http://127.0.0.1:$port/metrics" >"$tmp/metrics.prom" ||
  fail "no scrape after SIGHUP"
grep -q '^tserver_exporter_config_last_reload_successful 1$' "$tmp/metrics.prom" ||
  fail "tserver_exporter_config_last_reload_successful is not 1 after SIGHUP"
[ "$(awk '/^tserver_event_errors_total\{/ {s += $NF} END {print s + 0}' "$tmp/metrics.prom")" = \
  "$total" ] || fail "the counts changed across SIGHUP"
kill -TERM "$exporter_pid"
rc=0
wait "$exporter_pid" || rc=$?
exporter_pid=""
[ "$rc" -eq 0 ] || fail "the exporter exited $rc on SIGTERM"
[ -n "$(find "$tmp/state" -type f -user tserver-exporter)" ] ||
  fail "no state file written by tserver-exporter in --storage.path"
echo "package-test: SIGHUP reloaded, SIGTERM stopped it with exit 0 and its state saved"
