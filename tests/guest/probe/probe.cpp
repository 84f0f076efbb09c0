// kadapter-probe: performs exactly one operation and reports the outcome,
// so guest tests can assert the precise errno an enforced rule returns.
// Prints "ok" or "error <errno> <name>"; exits with 0 or the errno.
// Installed into the test container rootfs as /usr/local/bin/kadapter-probe.
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int report(int rc)
{
    if (rc >= 0) {
        std::puts("ok");
        return 0;
    }
    int err = errno;
    std::printf("error %d %s\n", err, strerrorname_np(err) ? strerrorname_np(err) : "?");
    return err ? err : 1;
}

int open_mode(const char* path, const std::string& mode)
{
    int flags = O_RDONLY;
    if (mode == "w")
        flags = O_WRONLY;
    else if (mode == "a")
        flags = O_WRONLY | O_APPEND;
    else if (mode == "t")
        flags = O_WRONLY | O_TRUNC;
    else if (mode == "c")
        flags = O_WRONLY | O_CREAT | O_EXCL;
    else if (mode == "rw")
        flags = O_RDWR;
    int fd = ::open(path, flags | O_CLOEXEC, 0644);
    if (fd >= 0)
        ::close(fd);
    return fd;
}

int socket_of(const std::string& family, const std::string& type, int proto)
{
    int f = family == "inet" ? AF_INET : family == "inet6" ? AF_INET6 : family == "packet" ? AF_PACKET : AF_UNIX;
    int t = type == "stream"      ? SOCK_STREAM
            : type == "dgram"     ? SOCK_DGRAM
            : type == "raw"       ? SOCK_RAW
            : type == "seqpacket" ? SOCK_SEQPACKET
                                  : std::atoi(type.c_str());
    int fd = ::socket(f, t, proto);
    if (fd >= 0)
        ::close(fd);
    return fd;
}

// An operation that needs exactly the named capability, done as root.
int use_capability(const std::string& cap)
{
    if (cap == "sys_admin") {
        const char name[] = "probe";
        return ::sethostname(name, sizeof(name) - 1);
    }
    if (cap == "sys_chroot")
        return ::chroot("/");
    if (cap == "net_bind_service") {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return fd;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(81);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
        int err = errno;
        ::close(fd);
        errno = err;
        return rc;
    }
    if (cap == "chown") {
        int fd = ::open("/tmp/.probe-chown", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0)
            ::close(fd);
        return ::chown("/tmp/.probe-chown", 1234, 1234);
    }
    if (cap == "mknod") {
        ::unlink("/tmp/.probe-null");
        return ::mknod("/tmp/.probe-null", S_IFCHR | 0600, makedev(1, 3));
    }
    if (cap == "net_raw")
        return socket_of("inet", "raw", IPPROTO_ICMP);
    errno = EINVAL;
    return -1;
}

// Exec an in-memory copy of a program: the filelessExec preset's target.
int memfd_exec(const char* program)
{
    int src = ::open(program, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return -1;
    int mem = static_cast<int>(::syscall(SYS_memfd_create, "probe", 0));
    if (mem < 0)
        return -1;
    char buf[65536];
    for (ssize_t n; (n = ::read(src, buf, sizeof(buf))) > 0;)
        if (::write(mem, buf, n) != n)
            return -1;
    const char* argv[] = {"true", nullptr};
    const char* envp[] = {nullptr};
    ::syscall(SYS_execveat, mem, "", argv, envp, AT_EMPTY_PATH);
    return -1; // only reached on failure
}

// Exec a file deleted after it was opened.
int deleted_exec(const char* program)
{
    const char* copy = "/tmp/.probe-deleted";
    int src = ::open(program, O_RDONLY | O_CLOEXEC);
    int dst = ::open(copy, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0755);
    if (src < 0 || dst < 0)
        return -1;
    char buf[65536];
    for (ssize_t n; (n = ::read(src, buf, sizeof(buf))) > 0;)
        if (::write(dst, buf, n) != n)
            return -1;
    ::close(dst);
    int fd = ::open(copy, O_PATH | O_CLOEXEC);
    ::unlink(copy);
    const char* argv[] = {"true", nullptr};
    const char* envp[] = {nullptr};
    ::syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
    return -1;
}

// Builds a chain of `count` directories named `name` below `base`, working
// with relative paths (so any length can be built), then opens `leaf` at
// the bottom. Reports the open.
int deep_open(const char* base, int count, const std::string& name, const std::string& leaf)
{
    int dir = ::open(base, O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    for (int i = 0; i < count; ++i) {
        if (::mkdirat(dir, name.c_str(), 0755) != 0 && errno != EEXIST)
            return -1; // e.g. the policy refused the directory
        int next = ::openat(dir, name.c_str(), O_DIRECTORY | O_CLOEXEC);
        ::close(dir);
        if (next < 0)
            return -1;
        dir = next;
    }
    int fd = ::openat(dir, leaf.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd >= 0)
        ::close(fd);
    return fd;
}

int bpf_map_create()
{
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    int fd = static_cast<int>(::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
    if (fd >= 0)
        ::close(fd);
    return fd;
}

// Opens `path` `count` times; prints how many opens failed and how.
int loop_open(const char* path, long count)
{
    long failures = 0;
    int first = 0;
    for (long i = 0; i < count; ++i) {
        int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::close(fd);
        } else if (failures++ == 0) {
            first = errno;
        }
    }
    std::printf("opens %ld failures %ld first-errno %d\n", count, failures, first);
    return failures ? 1 : 0;
}

// The new mount API (no glibc wrappers on every system: raw syscalls).
// open_tree + move_mount: a copy of SRC attached at DST, like a bind mount.
int move_mount_tree(const char* src, const char* dst)
{
    int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (tree < 0)
        return -1;
    int rc = static_cast<int>(::syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH));
    int err = errno;
    ::close(tree);
    errno = err;
    return rc;
}

// fspick + FSCONFIG_CMD_RECONFIGURE: a remount that bypasses mount(2).
int reconfigure(const char* path)
{
    int fs = static_cast<int>(::syscall(SYS_fspick, AT_FDCWD, path, FSPICK_CLOEXEC));
    if (fs < 0)
        return -1;
    int rc = static_cast<int>(::syscall(SYS_fsconfig, fs, FSCONFIG_CMD_RECONFIGURE, nullptr, nullptr, 0));
    int err = errno;
    ::close(fs);
    errno = err;
    return rc;
}

// A stream connection to a vsock port (CID 1: this guest, via vsock_loopback).
int vsock_connect(unsigned cid, unsigned port)
{
    int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_vm addr{};
    addr.svm_family = AF_VSOCK;
    addr.svm_cid = cid;
    addr.svm_port = port;
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    int err = errno;
    ::close(fd);
    errno = err;
    return rc;
}

// Module loads get no further than the LSM check with our hooks; without
// them the kernel rejects this garbage as no ELF (ENOEXEC).
// A DNS question for `name` (type A, class IN), as a resolver sends it.
std::string dns_query(const std::string& name)
{
    std::string q = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos)
            dot = name.size();
        q += static_cast<char>(dot - start);
        q += name.substr(start, dot - start);
        start = dot + 1;
    }
    q += std::string("\0\0\1\0\1", 5);
    return q;
}

// Sends a DNS query for `name` to port 53 on loopback, the way `mode`
// says: udp (connected), sendto, udp6 (sendto ::1), tcp (a listener of its
// own, the length prefix written separately as glibc does), tcp-sendto80
// (the connected stream, with a port-80 address TCP ignores), tcp-two (an
// allowed query with this one behind it in the same write).
int dns_send(const std::string& mode, const std::string& name)
{
    std::string q = dns_query(name);
    bool v6 = mode == "udp6";
    sockaddr_in a4{};
    a4.sin_family = AF_INET;
    a4.sin_port = htons(53);
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(53);
    a6.sin6_addr = in6addr_loopback;
    const sockaddr* addr = v6 ? reinterpret_cast<const sockaddr*>(&a6) : reinterpret_cast<const sockaddr*>(&a4);
    socklen_t len = v6 ? sizeof(a6) : sizeof(a4);
    if (mode.starts_with("tcp")) {
        int l = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (l < 0 || ::bind(l, addr, len) < 0 || ::listen(l, 1) < 0)
            return -1;
        int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || ::connect(c, addr, len) < 0)
            return -1;
        auto framed = [](const std::string& m) {
            return std::string{static_cast<char>(m.size() >> 8), static_cast<char>(m.size() & 0xff)} + m;
        };
        if (mode == "tcp-sendto80") {
            std::string f = framed(q);
            sockaddr_in other = a4;
            other.sin_port = htons(80);
            return ::sendto(c, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&other), sizeof(other)) < 0 ? -1 : 0;
        }
        if (mode == "tcp-two") {
            std::string f = framed(dns_query("allowed.example")) + framed(q);
            return ::write(c, f.data(), f.size()) < 0 ? -1 : 0;
        }
        uint16_t n = htons(static_cast<uint16_t>(q.size()));
        iovec iov[2] = {{&n, 2}, {q.data(), q.size()}};
        return ::writev(c, iov, 2) < 0 ? -1 : 0;
    }
    int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return -1;
    if (mode == "udp") {
        if (::connect(s, addr, len) < 0)
            return -1;
        return ::send(s, q.data(), q.size(), 0) < 0 ? -1 : 0;
    }
    return ::sendto(s, q.data(), q.size(), 0, addr, len) < 0 ? -1 : 0;
}

int init_module_garbage()
{
    static const char garbage[64] = "not a module";
    return static_cast<int>(::syscall(SYS_init_module, garbage, sizeof(garbage), ""));
}

int finit_module_file(const char* path)
{
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = static_cast<int>(::syscall(SYS_finit_module, fd, "", 0));
    int err = errno;
    ::close(fd);
    errno = err;
    return rc;
}

int usage()
{
    std::fputs(
        "usage: kadapter-probe open PATH [r|w|a|t|c|rw] | exec PATH [ARGV0 ARG...] | unlink PATH | mkdir PATH |\n"
        "  rmdir PATH | mkfifo PATH | rename OLD NEW | link OLD NEW | symlink TARGET PATH |\n"
        "  truncate PATH | chmod PATH | chown PATH | socket FAMILY TYPE PROTO | cap NAME |\n"
        "  memfd-exec PROGRAM | deleted-exec PROGRAM | deep-open BASE COUNT NAME LEAF | bpf |\n"
        "  ptrace PID | kill PID SIG | mount-bind SRC DST | mount TYPE DST | umount PATH |\n"
        "  loop-open PATH COUNT | hostpid NSPATH OP ARGS... (OP in a child in that pid namespace) |\n"
        "  traceme | move-mount SRC DST | reconfigure PATH | init-module | finit-module PATH | ioperm |\n"
        "  vsock-connect CID PORT\n",
        stderr);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    std::string op = argv[1];
    auto arg = [&](int i) -> const char* { return i < argc ? argv[i] : nullptr; };
    auto need = [&](int n) { return argc >= n + 2; };

    if (op == "open" && need(1))
        return report(open_mode(arg(2), arg(3) ? arg(3) : "r"));
    if (op == "exec" && need(1)) {
        // exec PATH [ARGV0 ARG...]: ARGV0 picks a busybox applet.
        char* self[] = {argv[2], nullptr};
        ::execv(arg(2), argc > 3 ? argv + 3 : self);
        return report(-1);
    }
    if (op == "unlink" && need(1))
        return report(::unlink(arg(2)));
    if (op == "mkdir" && need(1))
        return report(::mkdir(arg(2), 0755));
    if (op == "rmdir" && need(1))
        return report(::rmdir(arg(2)));
    if (op == "mkfifo" && need(1))
        return report(::mkfifo(arg(2), 0644));
    if (op == "rename" && need(2))
        return report(::rename(arg(2), arg(3)));
    if (op == "link" && need(2))
        return report(::link(arg(2), arg(3)));
    if (op == "symlink" && need(2))
        return report(::symlink(arg(2), arg(3)));
    if (op == "truncate" && need(1))
        return report(::truncate(arg(2), 0));
    if (op == "chmod" && need(1))
        return report(::chmod(arg(2), 0600));
    if (op == "chown" && need(1))
        return report(::chown(arg(2), 0, 0));
    if (op == "socket" && need(3))
        return report(socket_of(arg(2), arg(3), std::atoi(arg(4))));
    if (op == "cap" && need(1))
        return report(use_capability(arg(2)));
    if (op == "memfd-exec" && need(1))
        return report(memfd_exec(arg(2)));
    if (op == "deleted-exec" && need(1))
        return report(deleted_exec(arg(2)));
    if (op == "deep-open" && need(4))
        return report(deep_open(arg(2), std::atoi(arg(3)), arg(4), arg(5)));
    if (op == "bpf")
        return report(bpf_map_create());
    if (op == "ptrace" && need(1)) {
        long rc = ::ptrace(PTRACE_SEIZE, std::atoi(arg(2)), nullptr, nullptr);
        return report(static_cast<int>(rc));
    }
    if (op == "kill" && need(2))
        return report(::kill(std::atoi(arg(2)), std::atoi(arg(3))));
    if (op == "mount-bind" && need(2))
        return report(::mount(arg(2), arg(3), nullptr, MS_BIND, nullptr));
    if (op == "mount" && need(2))
        return report(::mount(arg(2), arg(3), arg(2), 0, nullptr));
    if (op == "umount" && need(1))
        return report(::umount2(arg(2), MNT_DETACH));
    if (op == "traceme")
        return report(static_cast<int>(::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)));
    if (op == "move-mount" && need(2))
        return report(move_mount_tree(arg(2), arg(3)));
    if (op == "reconfigure" && need(1))
        return report(reconfigure(arg(2)));
    if (op == "init-module")
        return report(init_module_garbage());
    if (op == "finit-module" && need(1))
        return report(finit_module_file(arg(2)));
    if (op == "dns" && need(2))
        return report(dns_send(arg(2), arg(3)));
    if (op == "vsock-connect" && need(2))
        return report(vsock_connect(std::atoi(arg(2)), std::atoi(arg(3))));
    if (op == "ioperm")
        return report(::ioperm(0x80, 1, 1));
    if (op == "loop-open" && need(2))
        return loop_open(arg(2), std::atol(arg(3)));
    if (op == "hostpid" && need(2)) {
        int ns = ::open(arg(2), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWPID) != 0)
            return report(-1);
        pid_t child = ::fork(); // the child is in the joined namespace
        if (child == 0)
            return main(argc - 2, argv + 2);
        int status = 0;
        ::waitpid(child, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return usage();
}
