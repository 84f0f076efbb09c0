#!/usr/bin/env bash
# Builds the real programs the cluster side talks to, from the Go module proxy,
# with the exact versions pinned in cluster/peers/*/go.mod:
#
#   cluster/peers/k8s        kube-apiserver, kubectl (k8s.io/kubernetes), etcd
#                            (go.etcd.io/etcd/server/v3), helm (helm.sh/helm/v4)
#   cluster/peers/kubearmor  karmor (github.com/kubearmor/kubearmor-client) and
#                            KubeArmor's CRDs, copied out of the module cache of
#                            github.com/kubearmor/KubeArmor/pkg/KubeArmorController
#   cluster/peers/kata       kata-agent-check (ours): Kata's own ttrpc agent client
#
# Each program lands in BUILD_DIR/peers/<name>-<version>/<binary>, and is not
# rebuilt while that file exists, so the cache is keyed by version (our own
# kata-agent-check by a hash of its module). BUILD_DIR/peers/bin/ holds a
# symlink per program to the current version. Programs of one module are built
# by one `go build`, which shares the compilation of their common packages.
# Idempotent and quiet when everything is cached.
#
# Usage: scripts/cluster-peers.sh [BUILD_DIR]   (default: build)
# Needs Go 1.26 (/usr/local/go/bin is added to PATH) and the Go module proxy.
# Cold (empty GOCACHE and GOMODCACHE) it downloads ~320 MB of module zips
# (1.6 GB unpacked) in about a minute, compiles for ~15 CPU-minutes (11 of them
# kube-apiserver's) and leaves ~3.9 GB in GOCACHE: 23 minutes measured on 2
# cores busy with other builds, ~10 estimated on 2 idle ones. Cached: 0.03 s.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-build}
mkdir -p "$build_dir/peers/bin"
peers=$(cd "$build_dir/peers" && pwd)

log() { printf 'cluster-peers: %s\n' "$*"; }

case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH=/usr/local/go/bin:$PATH ;; esac
command -v go >/dev/null || { log "go not found (expected Go 1.26 at /usr/local/go)"; exit 1; }
export CGO_ENABLED=0

# The version a go.mod requires MODULE at (first column of its require lines).
required() {
  awk -v m="$2" '$1 == "require" { $1 = "" } $1 == m { print $2; exit }' "$root/cluster/peers/$1/go.mod"
}

# A short hash of a peer module's own files, for programs whose source is ours.
source_hash() {
  (cd "$root/cluster/peers/$1" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

# build MODULE_DIR LDFLAGS NAME:VERSION:PACKAGE:BINARY ...
# Builds, in one `go build`, every listed program whose binary is missing.
build() {
  local dir=$1 ldflags=$2 spec name version pkg bin todo=() pkgs=() what=()
  shift 2
  for spec in "$@"; do
    IFS=: read -r name version pkg bin <<<"$spec"
    [ -n "$version" ] || { log "no version of $name in cluster/peers/$dir/go.mod"; exit 1; }
    if [ ! -x "$peers/$name-$version/$bin" ]; then
      todo+=("$spec"); pkgs+=("$pkg"); what+=("$name $version")
    fi
  done
  if [ ${#todo[@]} -gt 0 ]; then
    local out start
    out=$(mktemp -d "$peers/.build.XXXXXX")
    local list; list=$(printf '%s, ' "${what[@]}")
    log "building ${list%, } (cluster/peers/$dir)"
    start=$SECONDS
    if ! (cd "$root/cluster/peers/$dir" &&
      nice -n 10 go build -p "$(nproc)" -trimpath -buildvcs=false -ldflags="-s -w $ldflags" -o "$out/" "${pkgs[@]}"); then
      rm -rf "$out"; exit 1
    fi
    for spec in "${todo[@]}"; do
      IFS=: read -r name version pkg bin <<<"$spec"
      # go build names a binary after the last element of its package path,
      # or the one before it when that is a major version (…/server/v3).
      local built=${pkg##*/} parent=${pkg%/*}
      [[ $built =~ ^v[0-9]+$ ]] && built=${parent##*/}
      mkdir -p "$peers/$name-$version"
      mv "$out/$built" "$peers/$name-$version/$bin"
    done
    rm -rf "$out"
    log "built in $((SECONDS - start))s"
  fi
  for spec in "$@"; do
    IFS=: read -r name version pkg bin <<<"$spec"
    ln -sfn "../$name-$version/$bin" "$peers/bin/$bin"
  done
}

# --- cluster/peers/k8s -------------------------------------------------------
k8s=$(required k8s k8s.io/kubernetes)            # v1.37.2
etcd=$(required k8s go.etcd.io/etcd/server/v3)   # v3.7.3
helm=$(required k8s helm.sh/helm/v4)             # v4.3.2
k8s_minor=${k8s#v*.}; k8s_minor=${k8s_minor%%.*}
k8s_ldflags=""
# What k8s.io/kubernetes's hack/lib/version.sh stamps; without it the servers
# and kubectl report v0.0.0-master.
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=$k8s -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor -X $p.gitTreeState=clean"
done
build k8s "$k8s_ldflags -X helm.sh/helm/v4/internal/version.version=$helm" \
  "kube-apiserver:$k8s:k8s.io/kubernetes/cmd/kube-apiserver:kube-apiserver" \
  "kubectl:$k8s:k8s.io/kubernetes/cmd/kubectl:kubectl" \
  "etcd:$etcd:go.etcd.io/etcd/server/v3:etcd" \
  "helm:$helm:helm.sh/helm/v4/cmd/helm:helm"

# --- cluster/peers/kubearmor -------------------------------------------------
karmor=$(required kubearmor github.com/kubearmor/kubearmor-client)   # v1.4.7
# Upstream stamps "1.4.7"; with the leading "v" the string is no semver to
# karmor, so `karmor version` skips its online look-up of the latest release.
build kubearmor "-X github.com/kubearmor/kubearmor-client/selfupdate.GitSummary=$karmor" \
  "karmor:$karmor:github.com/kubearmor/kubearmor-client:karmor"

# KubeArmor's CRDs (KubeArmorPolicy, KubeArmorClusterPolicy, KubeArmorHostPolicy,
# KubeArmorNetworkPolicy) as the controller module karmor depends on ships them.
ctl_mod=github.com/kubearmor/KubeArmor/pkg/KubeArmorController
ctl=$(required kubearmor "$ctl_mod")
crds=$peers/kubearmor-crds-$ctl
if [ ! -f "$crds/KubeArmorPolicy.yaml" ]; then
  log "copying KubeArmor's CRDs from $ctl_mod@$ctl"
  src=$(cd "$root/cluster/peers/kubearmor" && go mod download -json "$ctl_mod" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$src/crd/KubeArmorPolicy.yaml" ] || { log "no crd/KubeArmorPolicy.yaml in $src"; exit 1; }
  rm -rf "$crds.tmp"; mkdir -p "$crds.tmp"
  cp "$src"/crd/*.yaml "$crds.tmp/"; chmod 644 "$crds.tmp"/*.yaml
  rm -rf "$crds"; mv "$crds.tmp" "$crds"
fi
ln -sfn "kubearmor-crds-$ctl" "$peers/kubearmor-crds"

# --- cluster/peers/kata ------------------------------------------------------
build kata "" "kata-agent-check:$(source_hash kata):./kata-agent-check:kata-agent-check"
