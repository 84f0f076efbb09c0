#include "cri_annotations.hpp"

#include <initializer_list>

#include "kadapter/annotations.hpp"

namespace guest_init {
namespace {

// The first of `keys` present: containerd's, then CRI-O's spelling.
std::string annotation(const Annotations& a, std::initializer_list<const char*> keys)
{
    for (const char* k : keys)
        if (auto it = a.find(k); it != a.end())
            return it->second;
    return "";
}

} // namespace

ContainerMeta container_meta(const std::string& id, const Annotations& a)
{
    ContainerMeta m;
    m.container_id = id;
    m.container_name = annotation(a, {"io.kubernetes.cri.container-name", "io.kubernetes.cri-o.ContainerName"});
    m.pod_name = annotation(a, {"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri-o.KubeName"});
    m.namespace_ = annotation(a, {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri-o.Namespace"});
    m.image = annotation(a, {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName"});
    m.labels = annotation(a, {kadapter::kLabelsAnnotation});
    return m;
}

bool is_sandbox_container(const std::string& id, const std::string& sandbox_id, const Annotations& a)
{
    std::string type = annotation(a, {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType",
                                      "io.katacontainers.pkg.oci.container_type"});
    return type == "sandbox" || type == "pod_sandbox" || (!sandbox_id.empty() && id == sandbox_id);
}

} // namespace guest_init
