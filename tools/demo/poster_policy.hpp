// The Kadapter poster's policy: Block the service account token directory
// in pods labelled app: nginx. The demo shows it enforced; the tests that
// replay the demo use the same text.
#pragma once

namespace kadapter::demo {

inline constexpr const char* kPosterPolicy = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: ksp-nginx-block-sa
  namespace: default
spec:
  selector:
    matchLabels:
      app: nginx
  file:
    matchDirectories:
      - dir: /run/secrets/kubernetes.io/serviceaccount/
  action:
    Block
)";

} // namespace kadapter::demo
