#!/usr/bin/env bash
# deploy/systemd/tserver-exporter.service: `systemd-analyze verify` says nothing, the hardening
# settings the deployment relies on are there, and `systemd-analyze security` rates it OK.
#   check-systemd.sh SYSTEMD_ANALYZE EXPORTER REPO_DIR
# verify checks that ExecStart's binary exists: it runs on a copy whose ExecStart is the
# exporter just built.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

analyze=$1 exporter=$2 repo=$3
unit=$repo/deploy/systemd/tserver-exporter.service
defaults=$repo/deploy/systemd/tserver-exporter.default
[ -x "$analyze" ] || skip "systemd-analyze not found (Debian package systemd)"

# shellcheck disable=SC2016  # $ARGS and $MAINPID are for systemd, not for this shell
for setting in 'User=tserver-exporter' 'Group=tserver-exporter' 'ProtectSystem=strict' \
  'StateDirectory=tserver-exporter' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'ProtectHome=yes' \
  'CapabilityBoundingSet=' 'EnvironmentFile=-/etc/default/tserver-exporter' \
  'ExecStart=/usr/bin/tserver_exporter --storage.path=/var/lib/tserver-exporter $ARGS' \
  'ExecReload=/bin/kill -HUP $MAINPID' 'LimitNOFILE=65536'; do
  grep -qxF "$setting" "$unit" || fail "$unit lacks the line: $setting"
done
grep -q '^ARGS=".*--source.file=' "$defaults" || fail "$defaults sets no ARGS with --source.file"

mkdir -p "$tse_tmp/unit"
sed "s|/usr/bin/tserver_exporter|$exporter|" "$unit" >"$tse_tmp/unit/tserver-exporter.service"
rc=0
"$analyze" verify --man=no "$tse_tmp/unit/tserver-exporter.service" >"$tse_tmp/verify.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tse_tmp/verify.out" ]; then
  cat "$tse_tmp/verify.out" >&2
  fail "systemd-analyze verify (exit $rc)"
fi
pass "systemd-analyze verify: nothing to say"

# Exposure 0 (locked down) .. 10 (unprotected); the threshold is in tenths. Older systemd has
# no --offline: then only verify is checked.
if "$analyze" security --help 2>/dev/null | grep -q -- '--offline'; then
  rc=0
  "$analyze" security --offline=yes --threshold=20 "$tse_tmp/unit/tserver-exporter.service" \
    >"$tse_tmp/security.out" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || {
    grep -F '✗' "$tse_tmp/security.out" >&2 || true
    tail -n 1 "$tse_tmp/security.out" >&2
    fail "systemd-analyze security: exposure above 2.0"
  }
  pass "systemd-analyze security: $(tail -n 1 "$tse_tmp/security.out" | sed 's/^→ //')"
fi
