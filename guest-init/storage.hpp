// Kata storages: the filesystems the runtime asks the guest to mount before
// a sandbox or container uses them (the shared directory over 9p or
// virtio-fs, ephemeral tmpfs volumes, local directories), reference-counted
// by mount point as the kata-agent does, since containers share them.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent.pb.h"

namespace guest_init {

class Storages {
public:
    // Mounts every storage not mounted yet (or takes a reference on it) and
    // returns the mount points, for release(). All or nothing: on failure
    // what this call mounted is unmounted again. Throws
    // std::invalid_argument for a storage it does not support, naming it.
    std::vector<std::string> acquire(const google::protobuf::RepeatedPtrField<grpc::Storage>& storages);
    // Drops one reference on each; unmounts those nobody uses any more.
    void release(const std::vector<std::string>& mount_points);

private:
    std::mutex mu_;
    std::map<std::string, unsigned> refs_; // by mount point
};

} // namespace guest_init
