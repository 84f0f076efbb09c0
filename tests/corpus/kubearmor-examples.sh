#!/usr/bin/env bash
# Lints every KubeArmorPolicy / KubeArmorClusterPolicy example in a KubeArmor
# checkout with `kadapter lint` and compares the outcome with the list of
# expected rejections below: every other example must be accepted. Not part of
# CI (it needs a KubeArmor checkout); run it when the policy language changes:
#   git clone --depth 1 https://github.com/kubearmor/KubeArmor /tmp/KubeArmor
#   tests/corpus/kubearmor-examples.sh /tmp/KubeArmor build/tools/kadapter/kadapter
set -euo pipefail
repo=${1:?usage: $0 KUBEARMOR_CHECKOUT [KADAPTER_BINARY]}
kadapter=${2:-build/tools/kadapter/kadapter}

# file (relative to the checkout) -> text the rejection must contain.
declare -A expected=(
  # Invalid under the CRD: "Version:" instead of "apiVersion:".
  [getting-started/use-cases/res/disc-tools.yaml]="apiVersion: is required"
  # Invalid under KubeArmor's semantics: '*' in matchPaths is literal.
  [getting-started/use-cases/res/log-del.yaml]="use matchPatterns for globs"
)

accepted=0 rejected=0 failures=0
while IFS= read -r -d '' file; do
  grep -qE '^kind: *KubeArmor(Cluster)?Policy' "$file" || continue
  rel=${file#"$repo"/}
  if out=$("$kadapter" lint "$file" 2>&1); then
    accepted=$((accepted + 1))
    if [[ -n ${expected[$rel]+x} ]]; then
      echo "UNEXPECTEDLY ACCEPTED: $rel"; failures=$((failures + 1))
    fi
  else
    rejected=$((rejected + 1))
    if [[ -z ${expected[$rel]+x} ]]; then
      echo "UNEXPECTEDLY REJECTED: $rel"; echo "$out" | sed 's/^/    /'; failures=$((failures + 1))
    elif [[ $out != *"${expected[$rel]}"* ]]; then
      echo "REJECTED FOR ANOTHER REASON: $rel (expected '${expected[$rel]}')"
      echo "$out" | sed 's/^/    /'; failures=$((failures + 1))
    fi
  fi
done < <(find "$repo" -path "$repo/.git" -prune -o \( -name '*.yaml' -o -name '*.yml' \) -type f -print0 | sort -z)

echo "KubeArmor examples: $accepted accepted, $rejected rejected as expected or not, $failures unexpected"
((failures == 0))
