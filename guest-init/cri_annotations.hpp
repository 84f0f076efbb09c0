// What the CRI runtimes (containerd, CRI-O) and Kata's runtime say about a
// container in its OCI annotations: names for alerts and selectors, and
// whether it is the pod's sandbox.
#pragma once

#include <map>
#include <string>

#include "alerts.hpp"

namespace guest_init {

using Annotations = std::map<std::string, std::string>;

ContainerMeta container_meta(const std::string& container_id, const Annotations& annotations);
// `sandbox_id`: the id CreateSandbox recorded, "" before.
bool is_sandbox_container(const std::string& container_id, const std::string& sandbox_id,
                          const Annotations& annotations);

} // namespace guest_init
