#include "mount_options.hpp"

#include <sys/mount.h>

#include <map>
#include <utility>

namespace guest_init {

MountFlags parse_options(const google::protobuf::RepeatedPtrField<std::string>& options)
{
    static const std::map<std::string, std::pair<bool, unsigned long>> kFlags = {
        {"ro", {true, MS_RDONLY}},
        {"rw", {false, MS_RDONLY}},
        {"nosuid", {true, MS_NOSUID}},
        {"suid", {false, MS_NOSUID}},
        {"nodev", {true, MS_NODEV}},
        {"dev", {false, MS_NODEV}},
        {"noexec", {true, MS_NOEXEC}},
        {"exec", {false, MS_NOEXEC}},
        {"sync", {true, MS_SYNCHRONOUS}},
        {"async", {false, MS_SYNCHRONOUS}},
        {"dirsync", {true, MS_DIRSYNC}},
        {"remount", {true, MS_REMOUNT}},
        {"mand", {true, MS_MANDLOCK}},
        {"nomand", {false, MS_MANDLOCK}},
        {"atime", {false, MS_NOATIME}},
        {"noatime", {true, MS_NOATIME}},
        {"diratime", {false, MS_NODIRATIME}},
        {"nodiratime", {true, MS_NODIRATIME}},
        {"relatime", {true, MS_RELATIME}},
        {"norelatime", {false, MS_RELATIME}},
        {"strictatime", {true, MS_STRICTATIME}},
        {"nostrictatime", {false, MS_STRICTATIME}},
    };
    static const std::map<std::string, unsigned long> kPropagation = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    MountFlags m;
    for (const auto& o : options) {
        if (o == "bind") {
            m.bind = true;
            m.flags |= MS_BIND;
        } else if (o == "rbind") {
            m.bind = true;
            m.flags |= MS_BIND | MS_REC;
        } else if (auto f = kFlags.find(o); f != kFlags.end()) {
            if (f->second.first)
                m.flags |= f->second.second;
            else
                m.flags &= ~f->second.second;
        } else if (auto p = kPropagation.find(o); p != kPropagation.end()) {
            m.propagation |= p->second;
        } else {
            m.data += (m.data.empty() ? "" : ",") + o;
        }
    }
    return m;
}

} // namespace guest_init
