#!/usr/bin/env bash
# deploy/kubernetes: `kubectl kustomize` builds it (valid YAML, every resource found), and the
# pieces fit: the exporter sidecar reads the log volume read-only, keeps its state in a volume,
# serves on the port the Service and the ServiceMonitor name, and the scrape job is "tserver"
# as the alert rules expect. Offline: no cluster is needed.
#   check-kubernetes.sh KUBECTL REPO_DIR
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

kubectl=$1 repo=$2
[ -x "$kubectl" ] || skip "kubectl not found: the Kubernetes manifests are not checked"

out=$tse_tmp/manifests.yaml
"$kubectl" kustomize "$repo/deploy/kubernetes" >"$out" 2>"$tse_tmp/kustomize.err" || {
  cat "$tse_tmp/kustomize.err" >&2
  fail "kubectl kustomize deploy/kubernetes"
}
for kind in Deployment Service ServiceMonitor; do
  grep -qx "kind: $kind" "$out" || fail "no $kind in deploy/kubernetes"
done
for line in '- --storage.path=/var/lib/tserver-exporter' '- --web.listen-address=:10057' \
  'containerPort: 10057' 'readOnly: true' 'mountPath: /var/lib/tserver-exporter' \
  'readOnlyRootFilesystem: true' 'runAsNonRoot: true' 'targetPort: metrics' 'port: metrics' \
  'replacement: tserver' 'path: /-/healthy' 'path: /-/ready'; do
  grep -qF -- "$line" "$out" || fail "deploy/kubernetes lacks: $line"
done
pass "kubectl kustomize deploy/kubernetes: $(grep -c '^kind:' "$out") resources that fit together"
