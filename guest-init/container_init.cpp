// The helper guest-init re-executes to start one container process
// (see spawn.hpp). It is single-threaded, so it can set namespaces, mounts
// and credentials freely. Modelled on what runc/crun and the kata-agent's
// rustjail do, reduced to what the OCI specs Kata sends use.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "init_config.pb.h"
#include "kadapter/capability.hpp"
#include "kadapter/unique_fd.hpp"
#include "mount_options.hpp"
#include "spawn.hpp"

namespace guest_init {
namespace {

constexpr int kSyncFd = 3;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

void send_message(const std::string& msg)
{
    (void)::send(kSyncFd, msg.data(), msg.size(), MSG_NOSIGNAL);
}

std::string receive_message()
{
    // Peek the size first: the config can be larger than a stack buffer.
    ssize_t size = ::recv(kSyncFd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    if (size <= 0)
        return {};
    std::string buf(static_cast<size_t>(size), '\0');
    ssize_t n = ::recv(kSyncFd, buf.data(), buf.size(), 0);
    if (n < 0)
        return {};
    buf.resize(static_cast<size_t>(n));
    return buf;
}

void reset_signals()
{
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            ::signal(sig, SIG_DFL);
}

// ---- paths inside the rootfs ----

// Opens `path` inside `root` without letting a symlink in the image lead
// outside it, creating missing directories (and the last component as a
// file when `file` is set). Returns an O_PATH fd for mounting through
// /proc/self/fd.
kadapter::UniqueFd open_in_root(int root, const std::string& path, bool file)
{
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '/');)
        if (!p.empty() && p != ".")
            parts.push_back(p);

    std::string sofar;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i] == "..")
            throw std::runtime_error("mount destination '" + path + "' contains '..'");
        sofar += "/" + parts[i];
        open_how how{};
        how.flags = O_PATH | O_CLOEXEC;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        int fd = static_cast<int>(::syscall(SYS_openat2, root, sofar.c_str(), &how, sizeof(how)));
        if (fd >= 0) {
            ::close(fd);
            continue;
        }
        if (errno != ENOENT)
            fail("resolving " + sofar + " in the container rootfs");
        // Create it in its (already resolved) parent.
        std::string parent = sofar.substr(0, sofar.rfind('/'));
        how.flags = O_DIRECTORY | O_CLOEXEC;
        kadapter::UniqueFd dir(
            static_cast<int>(::syscall(SYS_openat2, root, parent.empty() ? "/" : parent.c_str(), &how, sizeof(how))));
        if (!dir)
            fail("opening " + parent + " in the container rootfs");
        bool last = i + 1 == parts.size();
        if (last && file) {
            int f = ::openat(dir.get(), parts[i].c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (f < 0 && errno != EEXIST)
                fail("creating " + sofar);
            if (f >= 0)
                ::close(f);
        } else if (::mkdirat(dir.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
            fail("creating " + sofar);
        }
    }
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    kadapter::UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root, path.c_str(), &how, sizeof(how))));
    if (!fd)
        fail("resolving " + path + " in the container rootfs");
    return fd;
}

std::string proc_fd(const kadapter::UniqueFd& fd)
{
    return "/proc/self/fd/" + std::to_string(fd.get());
}

void mount_one(int root, const grpc::Mount& spec)
{
    MountFlags m = parse_options(spec.options());
    std::string type = spec.type();
    if (type == "bind")
        m.bind = true, m.flags |= MS_BIND;

    if (m.bind) {
        struct stat st {};
        if (::stat(spec.source().c_str(), &st) != 0)
            fail("bind mount source " + spec.source());
        kadapter::UniqueFd dest = open_in_root(root, spec.destination(), !S_ISDIR(st.st_mode));
        if (::mount(spec.source().c_str(), proc_fd(dest).c_str(), nullptr, MS_BIND | (m.flags & MS_REC), nullptr) != 0)
            fail("bind mounting " + spec.source() + " on " + spec.destination());
        unsigned long extra = m.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (extra) {
            kadapter::UniqueFd again = open_in_root(root, spec.destination(), !S_ISDIR(st.st_mode));
            if (::mount(nullptr, proc_fd(again).c_str(), nullptr, MS_BIND | MS_REMOUNT | extra, nullptr) != 0)
                fail("remounting " + spec.destination());
        }
    } else {
        if (type == "cgroup")
            type = "cgroup2"; // the guest has only the unified hierarchy
        kadapter::UniqueFd dest = open_in_root(root, spec.destination(), false);
        const char* source = spec.source().empty() ? type.c_str() : spec.source().c_str();
        unsigned long flags = m.flags & ~(MS_BIND | MS_REC);
        if (::mount(source, proc_fd(dest).c_str(), type.c_str(), flags, m.data.empty() ? nullptr : m.data.c_str()) != 0)
            fail("mounting " + type + " on " + spec.destination());
    }
    if (m.propagation) {
        kadapter::UniqueFd dest = open_in_root(root, spec.destination(), false);
        ::mount(nullptr, proc_fd(dest).c_str(), nullptr, m.propagation, nullptr);
    }
}

// The device nodes every container gets (as runc does), bound from the
// guest's /dev.
void populate_dev(int root)
{
    for (const char* dev : {"null", "zero", "full", "random", "urandom", "tty"}) {
        std::string src = std::string("/dev/") + dev;
        kadapter::UniqueFd dest = open_in_root(root, src, true);
        if (::mount(src.c_str(), proc_fd(dest).c_str(), nullptr, MS_BIND, nullptr) != 0)
            fail("binding " + src);
    }
    struct Link {
        const char* target;
        const char* path;
    };
    for (Link l :
         {Link{"/proc/self/fd", "dev/fd"}, Link{"/proc/self/fd/0", "dev/stdin"}, Link{"/proc/self/fd/1", "dev/stdout"},
          Link{"/proc/self/fd/2", "dev/stderr"}, Link{"pts/ptmx", "dev/ptmx"}})
        ::symlinkat(l.target, root, l.path);
}

void setup_rootfs(const kadapter::init::InitConfig& c)
{
    unsigned long propagation = MS_SLAVE | MS_REC;
    if (c.rootfs_propagation() == "private" || c.rootfs_propagation() == "rprivate")
        propagation = MS_PRIVATE | MS_REC;
    else if (c.rootfs_propagation() == "shared" || c.rootfs_propagation() == "rshared")
        propagation = MS_SHARED | MS_REC;
    if (::mount(nullptr, "/", nullptr, propagation, nullptr) != 0)
        fail("setting mount propagation");
    // pivot_root needs the new root to be a mount point of our namespace.
    if (::mount(c.rootfs().c_str(), c.rootfs().c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        fail("binding the rootfs " + c.rootfs());

    kadapter::UniqueFd root(::open(c.rootfs().c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
    if (!root)
        fail("opening the rootfs " + c.rootfs());

    bool has_dev = false;
    for (const auto& m : c.mounts()) {
        mount_one(root.get(), m);
        has_dev = has_dev || m.destination() == "/dev";
    }
    if (!has_dev) {
        kadapter::UniqueFd dev = open_in_root(root.get(), "/dev", false);
        if (::mount("tmpfs", proc_fd(dev).c_str(), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") != 0)
            fail("mounting /dev");
        kadapter::UniqueFd pts = open_in_root(root.get(), "/dev/pts", false);
        if (::mount("devpts", proc_fd(pts).c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620") != 0)
            fail("mounting /dev/pts");
    }
    populate_dev(root.get());

    if (::chdir(c.rootfs().c_str()) != 0)
        fail("chdir to the rootfs");
    if (::syscall(SYS_pivot_root, ".", ".") != 0)
        fail("pivot_root");
    // The old root is stacked under the new one: make it private, then drop it.
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
        fail("making the old root private");
    if (::umount2(".", MNT_DETACH) != 0)
        fail("detaching the old root");
    if (::chdir("/") != 0)
        fail("chdir /");

    for (const auto& path : c.masked_paths()) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            ::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, "size=0");
        else
            ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    }
    for (const auto& path : c.readonly_paths()) {
        if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
            if (errno == ENOENT)
                continue;
            fail("binding read-only path " + path);
        }
        if (::mount(nullptr, path.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, nullptr) != 0)
            fail("remounting read-only path " + path);
    }
    if (c.readonly_rootfs() && ::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
        fail("remounting the rootfs read-only");

    for (const auto& [key, value] : c.sysctl()) {
        std::string path = "/proc/sys/" + key;
        for (auto& ch : path)
            if (ch == '.')
                ch = '/';
        kadapter::UniqueFd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
        if (!f || ::write(f.get(), value.data(), value.size()) < 0)
            fail("setting sysctl " + key);
    }
    if (!c.hostname().empty() && ::sethostname(c.hostname().data(), c.hostname().size()) != 0)
        fail("sethostname");
}

// ---- credentials ----

uint64_t cap_mask(const google::protobuf::RepeatedPtrField<std::string>& names)
{
    uint64_t mask = 0;
    for (const auto& n : names) {
        auto cap = kadapter::capability_number(n);
        if (!cap)
            throw std::runtime_error("unknown capability " + n);
        mask |= 1ull << *cap;
    }
    return mask;
}

void set_rlimits(const grpc::Process& p)
{
    static const std::map<std::string, int> kLimits = {
        {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
        {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME}};
    for (const auto& r : p.rlimits()) {
        auto it = kLimits.find(r.type());
        if (it == kLimits.end())
            throw std::runtime_error("unknown rlimit " + r.type());
        rlimit lim{r.soft(), r.hard()};
        if (::setrlimit(it->second, &lim) != 0)
            fail("setrlimit " + r.type());
    }
}

void set_credentials(const grpc::Process& p)
{
    const bool caps_given = p.has_capabilities();
    if (caps_given) {
        uint64_t bounding = cap_mask(p.capabilities().bounding());
        for (int cap = 0; cap <= kadapter::kLastCapability; ++cap)
            if (!(bounding & (1ull << cap)) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
                fail("dropping capability " + kadapter::capability_name(cap) + " from the bounding set");
    }
    ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);

    const auto& user = p.user();
    std::vector<gid_t> groups(user.additionalgids().begin(), user.additionalgids().end());
    if (::setgroups(groups.size(), groups.data()) != 0)
        fail("setgroups");
    if (::setresgid(user.gid(), user.gid(), user.gid()) != 0)
        fail("setgid " + std::to_string(user.gid()));
    if (::setresuid(user.uid(), user.uid(), user.uid()) != 0)
        fail("setuid " + std::to_string(user.uid()));

    if (caps_given) {
        uint64_t eff = cap_mask(p.capabilities().effective());
        uint64_t perm = cap_mask(p.capabilities().permitted());
        uint64_t inh = cap_mask(p.capabilities().inheritable());
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {
            {static_cast<__u32>(eff), static_cast<__u32>(perm), static_cast<__u32>(inh)},
            {static_cast<__u32>(eff >> 32), static_cast<__u32>(perm >> 32), static_cast<__u32>(inh >> 32)}};
        if (::syscall(SYS_capset, &hdr, data) != 0)
            fail("capset");
        for (const auto& n : p.capabilities().ambient())
            if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, *kadapter::capability_number(n), 0, 0) != 0)
                fail("raising ambient capability " + n);
    }
    if (p.nonewprivileges() && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail("no_new_privs");
}

std::string lookup_path(const std::string& file, const std::vector<std::string>& env)
{
    if (file.find('/') != std::string::npos)
        return file;
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env)
        if (e.starts_with("PATH="))
            path = e.substr(5);
    std::stringstream ss(path);
    for (std::string dir; std::getline(ss, dir, ':');) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + file;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return file;
}

[[noreturn]] void run_process(const kadapter::init::InitConfig& c)
{
    const grpc::Process& p = c.process();
    if (p.args().empty())
        throw std::runtime_error("the process has no args");
    set_rlimits(p);
    ::setsid();
    if (p.terminal())
        ::ioctl(0, TIOCSCTTY, 0);
    set_credentials(p);
    std::string cwd = p.cwd().empty() ? "/" : p.cwd();
    if (::chdir(cwd.c_str()) != 0)
        fail("chdir to " + cwd);

    std::vector<std::string> env(p.env().begin(), p.env().end());
    std::string file = lookup_path(p.args(0), env);
    std::vector<char*> argv, envp;
    for (const auto& a : p.args())
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    // Parked: the parent binds the cgroup and policy, then says start.
    send_message("ready");
    if (receive_message() != "start")
        ::_exit(1);
    ::execve(file.c_str(), argv.data(), envp.data());
    int err = errno;
    send_message("error:exec " + p.args(0) + ": " + std::strerror(err));
    ::_exit(err == ENOENT ? 127 : 126);
}

void enter_namespaces(const kadapter::init::InitConfig& c)
{
    if (c.mode() == kadapter::init::InitConfig::CREATE) {
        int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
        if (c.sandbox_pidns().empty())
            flags |= CLONE_NEWPID;
        if (::unshare(flags) != 0)
            fail("unshare");
        if (!c.sandbox_pidns().empty()) {
            kadapter::UniqueFd ns(::open(c.sandbox_pidns().c_str(), O_RDONLY | O_CLOEXEC));
            if (!ns || ::setns(ns.get(), CLONE_NEWPID) != 0)
                fail("joining the sandbox pid namespace");
        }
        return;
    }
    // EXEC: open every namespace first; after joining the mount namespace
    // the init's /proc entry may no longer be reachable.
    const char* names[] = {"ipc", "uts", "pid", "mnt"};
    kadapter::UniqueFd fds[4];
    for (int i = 0; i < 4; ++i) {
        std::string path = "/proc/" + std::to_string(c.join_pid()) + "/ns/" + names[i];
        fds[i].reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fds[i])
            fail(std::string("opening the container's ") + names[i] + " namespace");
    }
    for (int i = 0; i < 4; ++i)
        if (::setns(fds[i].get(), 0) != 0)
            fail(std::string("joining the container's ") + names[i] + " namespace");
}

} // namespace

int container_init_main()
{
    ::fcntl(kSyncFd, F_SETFD, FD_CLOEXEC);
    reset_signals();

    kadapter::init::InitConfig config;
    if (!config.ParseFromString(receive_message())) {
        send_message("error:malformed container configuration");
        return 1;
    }
    try {
        enter_namespaces(config);
        // The child must not report before we announced its pid.
        int gate[2];
        if (::pipe2(gate, O_CLOEXEC) != 0)
            fail("pipe");
        pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0));
        if (pid < 0)
            fail("clone");
        if (pid > 0) {
            send_message("pid:" + std::to_string(pid));
            ::close(gate[1]);
            ::_exit(0);
        }
        ::close(gate[1]);
        char b;
        while (::read(gate[0], &b, 1) < 0 && errno == EINTR) {
        }
        ::close(gate[0]);
        // No PR_SET_PDEATHSIG: our parent is whichever guest-init thread
        // forked the helper, and those threads come and go.

        if (config.mode() == kadapter::init::InitConfig::CREATE)
            setup_rootfs(config);
        run_process(config);
    } catch (const std::exception& e) {
        send_message(std::string("error:") + e.what());
        ::_exit(1);
    }
}

} // namespace guest_init
