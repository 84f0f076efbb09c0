#include "storage.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "mount_options.hpp"

namespace guest_init {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStorageRoot = "/run/kata-containers/";

// The drivers the kata-agent names (kata-containers src/agent/src/storage).
void mount_one(const grpc::Storage& s)
{
    const std::string where = "storage " + s.driver() + " on '" + s.mount_point() + "'";
    // Kata puts every storage under /run/kata-containers/ (shared/,
    // sandbox/ephemeral/, sandbox/local/, ...). Anywhere else a mount could
    // cover what enforcement stands on (/sys/fs/cgroup, /sys/fs/bpf): a
    // tmpfs there would let containers run unbound.
    const fs::path point = fs::path(s.mount_point()).lexically_normal();
    if (s.mount_point().empty() || s.mount_point()[0] != '/' || !point.string().starts_with(kStorageRoot) ||
        point.string().size() <= std::strlen(kStorageRoot))
        throw std::invalid_argument(where + ": mount_point must be a path below " + kStorageRoot);
    MountFlags m = parse_options(s.options());

    std::string type;
    std::string source = s.source();
    if (s.driver() == "9p") {
        type = "9p";
    } else if (s.driver() == "virtio-fs") {
        type = "virtiofs";
    } else if (s.driver() == "ephemeral") {
        type = "tmpfs";
        source = "tmpfs";
    } else if (s.driver() == "local") {
        // A directory the containers of the pod share (an emptyDir on the
        // guest's own memory); "mode=" in the options sets its permissions.
        fs::create_directories(s.mount_point());
        mode_t mode = 0777;
        for (const auto& o : s.options())
            if (o.rfind("mode=", 0) == 0)
                mode = static_cast<mode_t>(std::stoul(o.substr(5), nullptr, 8));
        if (::chmod(s.mount_point().c_str(), mode) != 0)
            throw std::system_error(errno, std::generic_category(), where + ": chmod");
        return;
    } else {
        throw std::invalid_argument(where + ": the driver '" + s.driver() +
                                    "' is not supported (9p, virtio-fs, ephemeral, local)");
    }
    if (source.empty())
        throw std::invalid_argument(where + ": source (the mount tag) is empty");
    fs::create_directories(s.mount_point());
    if (::mount(source.c_str(), s.mount_point().c_str(), type.c_str(), m.flags,
                m.data.empty() ? nullptr : m.data.c_str()) != 0)
        throw std::system_error(errno, std::generic_category(), "mounting " + where);
}

void unmount_one(const std::string& mount_point)
{
    ::umount2(mount_point.c_str(), MNT_DETACH);
}

} // namespace

std::vector<std::string> Storages::acquire(const google::protobuf::RepeatedPtrField<grpc::Storage>& storages)
{
    std::lock_guard lock(mu_);
    std::vector<std::string> taken;
    try {
        for (const auto& s : storages) {
            unsigned& refs = refs_[s.mount_point()];
            if (refs == 0) {
                try {
                    mount_one(s);
                } catch (...) {
                    refs_.erase(s.mount_point());
                    throw;
                }
            }
            ++refs;
            taken.push_back(s.mount_point());
        }
    } catch (...) {
        for (auto it = taken.rbegin(); it != taken.rend(); ++it)
            if (--refs_[*it] == 0) {
                refs_.erase(*it);
                unmount_one(*it);
            }
        throw;
    }
    return taken;
}

void Storages::release(const std::vector<std::string>& mount_points)
{
    std::lock_guard lock(mu_);
    for (auto it = mount_points.rbegin(); it != mount_points.rend(); ++it) {
        auto r = refs_.find(*it);
        if (r == refs_.end())
            continue;
        if (--r->second == 0) {
            refs_.erase(r);
            unmount_one(*it);
        }
    }
}

} // namespace guest_init
