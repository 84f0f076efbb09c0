// Mount options as OCI specs and Kata storages write them ("ro", "nodev",
// "rbind", "rprivate", "size=1m"): kernel flags, propagation, and the rest
// as the filesystem's data string.
#pragma once

#include <string>

#include <google/protobuf/repeated_field.h>

namespace guest_init {

struct MountFlags {
    unsigned long flags = 0;
    unsigned long propagation = 0;
    bool bind = false;
    std::string data;
};

MountFlags parse_options(const google::protobuf::RepeatedPtrField<std::string>& options);

} // namespace guest_init
