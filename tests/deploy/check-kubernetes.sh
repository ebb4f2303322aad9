#!/usr/bin/env bash
# deploy/kubernetes: `kubectl kustomize` builds it (valid YAML, every resource found), and the
# pieces fit: the exporter sidecar reads the log volume read-only, keeps its state on a
# PersistentVolumeClaim of a StatefulSet (a rescheduled pod neither loses nor repeats counts),
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
for kind in StatefulSet Service ServiceMonitor; do
  grep -qx "kind: $kind" "$out" || fail "no $kind in deploy/kubernetes"
done
! grep -qx 'kind: Deployment' "$out" || fail "a Deployment: it may run two pods on one state file"

# The StatefulSet alone (kustomize prints documents apart, keys sorted).
sts=$tse_tmp/statefulset.yaml
awk 'BEGIN { RS = "\n---\n" } /\nkind: StatefulSet\n/ { printf "%s\n", $0 }' "$out" >"$sts"
[ -s "$sts" ] || fail "the StatefulSet could not be cut out of the manifests"
grep -qx '  serviceName: tserver-exporter' "$sts" || fail "the StatefulSet's serviceName is not tserver-exporter"
awk 'BEGIN { RS = "\n---\n" } /\nkind: Service\n/ && /\n  name: tserver-exporter\n/ && /clusterIP: None/ { ok = 1 }
     END { exit !ok }' "$out" || fail "no headless Service tserver-exporter for the StatefulSet"
# The state: a claim template named exporter-state, ReadWriteOnce, mounted where --storage.path
# points, and never an emptyDir (which dies with the pod).
awk '/^  volumeClaimTemplates:$/ { in_t = 1; next } in_t && /^  [^ -]/ { in_t = 0 }
     in_t && /^      name: exporter-state$/ { named = 1 } in_t && /- ReadWriteOnce$/ { rwo = 1 }
     END { exit !(named && rwo) }' "$sts" ||
  fail "no ReadWriteOnce volumeClaimTemplate exporter-state in the StatefulSet"
grep -qF -- '- --storage.path=/var/lib/tserver-exporter' "$sts" || fail "--storage.path is not /var/lib/tserver-exporter"
grep -A1 -- '- mountPath: /var/lib/tserver-exporter$' "$sts" | grep -q 'name: exporter-state$' ||
  fail "/var/lib/tserver-exporter is not the exporter-state claim"
! awk '/^      volumes:$/ { in_v = 1; next } in_v && /^      [^ -]/ { in_v = 0 }
       in_v && /name: exporter-state$/ { found = 1 } END { exit !found }' "$sts" ||
  fail "exporter-state is a pod volume (an emptyDir dies with the pod), not a claim"
for line in '- --storage.path=/var/lib/tserver-exporter' '- --web.listen-address=:10057' \
  'containerPort: 10057' 'readOnly: true' 'mountPath: /var/lib/tserver-exporter' \
  'readOnlyRootFilesystem: true' 'runAsNonRoot: true' 'targetPort: metrics' 'port: metrics' \
  'replacement: tserver' 'path: /-/healthy' 'path: /-/ready'; do
  grep -qF -- "$line" "$out" || fail "deploy/kubernetes lacks: $line"
done
pass "kubectl kustomize deploy/kubernetes: $(grep -c '^kind:' "$out") resources that fit together"
