#include "boot.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "kadapter/unique_fd.hpp"

namespace guest_init {
namespace {

struct EarlyMount {
    const char* source;
    const char* target;
    const char* type;
    unsigned long flags;
    const char* data;
};

// The kata-agent's list, plus what BPF-LSM enforcement needs: cgroup v2
// only (cgroup ids key containers), securityfs (the LSM list) and bpffs.
constexpr EarlyMount kMounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
    {"dev", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"},
    {"shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"run", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
    {"tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate"},
    {"securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
    {"bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700"},
};

bool is_mountpoint(const char* path)
{
    struct stat st {
    }, parent{};
    std::string up = std::string(path) + "/..";
    return stat(path, &st) == 0 && stat(up.c_str(), &parent) == 0 && st.st_dev != parent.st_dev;
}

namespace fs = std::filesystem;

bool root_is_initramfs()
{
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream ss(line);
        std::string id, parent, devno, root, mountpoint;
        ss >> id >> parent >> devno >> root >> mountpoint;
        if (mountpoint != "/")
            continue;
        size_t dash = line.find(" - ");
        if (dash == std::string::npos)
            continue;
        std::istringstream rest(line.substr(dash + 3));
        std::string fstype;
        rest >> fstype;
        return fstype == "rootfs";
    }
    return false;
}

// Copies directories, regular files and symlinks, keeping hard links
// linked; the rest (device nodes the kernel adds) is recreated by devtmpfs.
void copy_tree(const fs::path& from, const fs::path& to, const fs::path& skip,
               std::map<std::pair<dev_t, ino_t>, fs::path>& links)
{
    for (const auto& e : fs::directory_iterator(from)) {
        if (e.path() == skip)
            continue;
        fs::path dst = to / e.path().filename();
        auto st = e.symlink_status();
        if (fs::is_symlink(st)) {
            fs::copy_symlink(e.path(), dst);
        } else if (fs::is_directory(st)) {
            fs::create_directory(dst, e.path());
            copy_tree(e.path(), dst, skip, links);
        } else if (fs::is_regular_file(st)) {
            struct stat s {};
            ::lstat(e.path().c_str(), &s);
            auto key = std::make_pair(s.st_dev, s.st_ino);
            if (s.st_nlink > 1 && links.count(key)) {
                fs::create_hard_link(links[key], dst);
                continue;
            }
            fs::copy_file(e.path(), dst);
            if (s.st_nlink > 1)
                links[key] = dst;
        }
    }
}

} // namespace

std::string switch_from_initramfs(char** argv)
{
    ::mkdir("/proc", 0555);
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        return std::string("mounting /proc: ") + std::strerror(errno);
    bool initramfs = root_is_initramfs();
    ::umount2("/proc", MNT_DETACH);
    if (!initramfs)
        return {};

    const char* newroot = "/.kadapter-root";
    ::mkdir(newroot, 0755);
    if (::mount("root", newroot, "tmpfs", 0, "mode=0755") != 0)
        return std::string("mounting the tmpfs root: ") + std::strerror(errno);
    try {
        std::map<std::pair<dev_t, ino_t>, fs::path> links;
        copy_tree("/", newroot, newroot, links);
        // Free the initramfs: nothing will see it again.
        for (const auto& e : fs::directory_iterator("/"))
            if (e.path() != newroot)
                fs::remove_all(e.path());
    } catch (const std::exception& e) {
        return std::string("copying the initramfs: ") + e.what();
    }
    if (::chdir(newroot) != 0 || ::mount(newroot, "/", nullptr, MS_MOVE, nullptr) != 0 || ::chroot(".") != 0 ||
        ::chdir("/") != 0)
        return std::string("switching root: ") + std::strerror(errno);
    ::execv("/sbin/init", argv);
    return std::string("re-executing /sbin/init: ") + std::strerror(errno);
}

std::string read_text_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> mount_early_filesystems()
{
    std::vector<std::string> problems;
    for (const auto& m : kMounts) {
        ::mkdir(m.target, 0755);
        if (is_mountpoint(m.target))
            continue;
        if (::mount(m.source, m.target, m.type, m.flags, m.data) != 0)
            problems.push_back(std::string("mount ") + m.type + " on " + m.target + ": " + std::strerror(errno));
    }
    // /dev/ptmx must point into our devpts instance.
    ::unlink("/dev/ptmx");
    ::symlink("pts/ptmx", "/dev/ptmx");
    ::symlink("/proc/self/fd", "/dev/fd");
    return problems;
}

std::vector<std::string> load_kernel_modules()
{
    std::vector<std::string> problems;
    utsname u{};
    ::uname(&u);
    const std::string dir = std::string("/lib/modules/") + u.release + "/";
    std::ifstream list(dir + "kadapter.modules");
    if (!list)
        return problems; // a kernel with everything built in
    for (std::string rel; std::getline(list, rel);) {
        if (rel.empty())
            continue;
        kadapter::UniqueFd fd(::open((dir + rel).c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            problems.push_back(rel + ": " + std::strerror(errno));
            continue;
        }
        if (::syscall(SYS_finit_module, fd.get(), "", 0) != 0 && errno != EEXIST)
            problems.push_back(rel + ": " + std::strerror(errno));
    }
    return problems;
}

void bring_up_loopback()
{
    kadapter::UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s)
        return;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ::ioctl(s.get(), SIOCSIFFLAGS, &ifr);
    }
}

} // namespace guest_init
