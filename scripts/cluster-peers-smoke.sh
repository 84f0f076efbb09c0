#!/usr/bin/env bash
# Proves the peers from scripts/cluster-peers.sh work together, on loopback
# only: starts etcd and kube-apiserver (no scheduler, controller-manager or
# kubelet), applies KubeArmor's CRDs and a KubeArmorPolicy with kubectl,
# creates a Pod (it stays Pending: nothing schedules it), renders a chart with
# helm, runs karmor against the server, and Kata's agent client against a
# ttrpc HealthService. Everything lives in a temporary directory and is
# stopped on exit.
#
# Usage: scripts/cluster-peers-smoke.sh [BUILD_DIR]   (default: build)
# Run scripts/cluster-peers.sh [BUILD_DIR] first.
set -euo pipefail

bin=$(cd "${1:-build}/peers/bin" && pwd)
crds=$(cd "$bin/../kubearmor-crds" && pwd -P)
work=$(mktemp -d /tmp/kadapter-peers.XXXXXX)
pids=()
# Stops what it started, last first: kube-apiserver before the etcd it needs
# to shut down cleanly.
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  pids=()
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
ms() { date +%s%3N; }
step=$(ms)
ok() { passed=$((passed + 1)); printf 'ok    %6d ms  %s\n' $(($(ms) - step)) "$*"; step=$(ms); }
fail() { failed=$((failed + 1)); printf 'FAIL  %6d ms  %s\n' $(($(ms) - step)) "$*"; step=$(ms); }

# Free loopback ports, chosen by the kernel.
read -r etcd_port peer_port api_port < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')

# wait_for PID SECONDS COMMAND...: polls every 0.1 s while PID lives.
wait_for() {
  local pid=$1 deadline=$(($(date +%s) + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# --- etcd --------------------------------------------------------------------
t0=$(ms)
"$bin/etcd" --name smoke --data-dir "$work/etcd" --log-level warn \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "smoke=http://127.0.0.1:$peer_port" --unsafe-no-fsync >"$work/etcd.log" 2>&1 &
pids+=($!)
if wait_for $! 30 curl -fsS "http://127.0.0.1:$etcd_port/health"; then
  ok "etcd $("$bin/etcd" --version | awk 'NR==1 {print $3}') healthy in $(($(ms) - t0)) ms"
else
  fail "etcd not healthy (exited, or not in 30 s)"; tail -20 "$work/etcd.log"; exit 1
fi

# --- kube-apiserver ----------------------------------------------------------
openssl genrsa -out "$work/sa.key" 2048 2>/dev/null
openssl rsa -in "$work/sa.key" -pubout -out "$work/sa.pub" 2>/dev/null
token=$(openssl rand -hex 16)
echo "$token,kadapter-admin,kadapter-admin,system:masters" >"$work/tokens.csv"
t0=$(ms)
"$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --endpoint-reconciler-type none \
  --cert-dir "$work/pki" \
  --token-auth-file "$work/tokens.csv" --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$work/sa.pub" --service-account-signing-key-file "$work/sa.key" \
  --service-cluster-ip-range 10.96.0.0/24 >"$work/apiserver.log" 2>&1 &
pids+=($!)
if wait_for $! 120 curl -kfsS -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz"; then
  ok "kube-apiserver ready in $(($(ms) - t0)) ms"
else
  fail "kube-apiserver not ready (exited, or not in 120 s)"; tail -30 "$work/apiserver.log"; exit 1
fi

export KUBECONFIG=$work/kubeconfig
kubectl() { "$bin/kubectl" "$@"; }
kubectl config set-cluster smoke --server "https://127.0.0.1:$api_port" --insecure-skip-tls-verify=true >/dev/null
kubectl config set-credentials admin --token "$token" >/dev/null
kubectl config set-context smoke --cluster smoke --user admin >/dev/null
kubectl config use-context smoke >/dev/null

server_version=$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
ok "kubectl talks to kube-apiserver $server_version"

# --- KubeArmor's CRDs and a policy -------------------------------------------
if kubectl apply -f "$crds" >"$work/out" 2>&1 &&
  kubectl wait --for condition=Established --timeout 30s crd/kubearmorpolicies.security.kubearmor.com >>"$work/out" 2>&1; then
  ok "KubeArmor CRDs applied and established ($(basename "$(readlink -f "$crds")"))"
else
  fail "KubeArmor CRDs"; cat "$work/out"
fi

cat >"$work/policy.yaml" <<'EOF'
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: block-sa-token
  namespace: default
spec:
  selector:
    matchLabels:
      app: nginx
  file:
    matchDirectories:
    - dir: /run/secrets/kubernetes.io/serviceaccount/
      recursive: true
  action: Block
EOF
if kubectl apply -f "$work/policy.yaml" >"$work/out" 2>&1 &&
  [ "$(kubectl get kubearmorpolicy block-sa-token -o jsonpath='{.spec.action}')" = Block ]; then
  ok "KubeArmorPolicy accepted by the CRD's schema and read back"
else
  fail "KubeArmorPolicy"; cat "$work/out"
fi

# A policy the CRD's schema must reject (action is an enum).
if sed 's/action: Block/action: Deny/' "$work/policy.yaml" | kubectl apply -f - >"$work/out" 2>&1; then
  fail "a KubeArmorPolicy with action: Deny was accepted"
elif grep -q 'spec.action: Unsupported value' "$work/out"; then
  ok "a KubeArmorPolicy with action: Deny is rejected by the CRD's schema"
else
  fail "a KubeArmorPolicy with action: Deny is rejected, but not for its action"; cat "$work/out"
fi

# --- a Pod -------------------------------------------------------------------
# The ServiceAccount admission plugin wants the namespace's default account,
# which the controller-manager would create; the RuntimeClass admission plugin
# wants the RuntimeClass the pod names.
kubectl create serviceaccount default >/dev/null 2>&1 || true
cat >"$work/pod.yaml" <<'EOF'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: kata
handler: kata
---
apiVersion: v1
kind: Pod
metadata:
  name: nginx-kata
  labels:
    app: nginx
  annotations:
    io.katacontainers.kadapter.policy: "{}"
spec:
  runtimeClassName: kata
  containers:
  - name: nginx
    image: nginx
EOF
if kubectl apply -f "$work/pod.yaml" >"$work/out" 2>&1 &&
  [ "$(kubectl get pod nginx-kata -o jsonpath='{.status.phase}')" = Pending ]; then
  ok "Pod created and Pending"
else
  fail "Pod"; cat "$work/out"
fi

# --- helm --------------------------------------------------------------------
if (cd "$work" && "$bin/helm" create smoke-chart >/dev/null &&
  "$bin/helm" template smoke ./smoke-chart >"$work/rendered.yaml") &&
  grep -q '^kind: Deployment' "$work/rendered.yaml"; then
  ok "helm $("$bin/helm" version --short) template rendered $(grep -c '^kind:' "$work/rendered.yaml") objects"
else
  fail "helm template"
fi

# --- karmor ------------------------------------------------------------------
if out=$("$bin/karmor" version 2>&1) && [[ $out == *"karmor version"* ]]; then
  ok "karmor version: $(echo "$out" | tr '\n' ' ')"
else
  fail "karmor version"; echo "$out"
fi
if out=$("$bin/karmor" logs --help 2>&1) && [[ $out == *--gRPC* ]]; then
  ok "karmor logs --help"
else
  fail "karmor logs --help"; echo "$out"
fi

# --- Kata's agent client -----------------------------------------------------
if out=$("$bin/kata-agent-check" -selftest 2>&1); then
  ok "kata-agent-check -selftest: $out"
else
  fail "kata-agent-check -selftest"; echo "$out"
fi

t0=$(ms)
cleanup
trap - EXIT
echo "stopped kube-apiserver and etcd in $(($(ms) - t0)) ms"
echo "cluster peers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
