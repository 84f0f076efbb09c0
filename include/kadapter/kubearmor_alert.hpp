// KubeArmor's alert format: an enforcer Event as one JSON line with the
// CamelCase field names KubeArmor's own alerts have, as karmor and
// kubearmor-relay read them. The C API's kadapter_event_render_kubearmor()
// renders the same bytes.
#pragma once

#include <string>

#include "kadapter/event.hpp"
#include "kadapter/export.h"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

// What an alert says about the container besides the event itself: what
// the agent knows from the pod and the container's spec.
struct ContainerMeta {
    std::string container_id;
    std::string container_name;
    std::string pod_name;
    std::string namespace_;
    std::string image;
    std::string labels; // "k=v,k=v"
};

// One alert, no trailing newline. `hostname` is the node the container
// runs on (in a Kata guest, the guest's hostname). Reads /proc for the
// parent's executable, so render while the event is fresh.
std::string kubearmor_alert(const Event& e, const ContainerMeta& meta, const std::string& hostname);

} // namespace kadapter

KADAPTER_PUBLIC_END
