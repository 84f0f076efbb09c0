#include "transport.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace ttrpc {
namespace {

[[noreturn]] void fail(const std::string& what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

uint32_t parse_u32(const std::string& s, const std::string& what)
{
    if (s == "-1")
        return 0xffffffffu;
    try {
        size_t used = 0;
        unsigned long v = std::stoul(s, &used, 10);
        if (used != s.size() || v > 0xffffffffu)
            throw std::invalid_argument(s);
        return static_cast<uint32_t>(v);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + s + "' is not a valid " + what);
    }
}

// "<left>:<port>" split at the last colon.
std::pair<std::string, uint32_t> split_port(const std::string& s, const std::string& addr)
{
    size_t colon = s.rfind(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("address '" + addr + "' lacks a :<port>");
    return {s.substr(0, colon), parse_u32(s.substr(colon + 1), "port")};
}

sockaddr_un unix_addr(const std::string& path)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sa.sun_path))
        throw std::invalid_argument("unix socket path too long: " + path);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    return sa;
}

int connect_unix(const std::string& path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket");
    sockaddr_un sa = unix_addr(path);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
        int err = errno;
        ::close(fd);
        errno = err;
        fail("connect to " + path);
    }
    return fd;
}

// Reads one line ("OK <n>\n") the hybrid vsock proxy answers with.
std::string read_line(int fd, int timeout_ms)
{
    std::string line;
    for (;;) {
        pollfd pfd{fd, POLLIN, 0};
        int n = ::poll(&pfd, 1, timeout_ms);
        if (n == 0) {
            errno = ETIMEDOUT;
            fail("waiting for the hybrid vsock handshake");
        }
        if (n < 0 && errno != EINTR)
            fail("poll");
        char c;
        ssize_t r = ::read(fd, &c, 1);
        if (r == 0) {
            errno = ECONNRESET;
            fail("hybrid vsock handshake");
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fail("read");
        }
        if (c == '\n')
            return line;
        line += c;
        if (line.size() > 256) {
            errno = EPROTO;
            fail("hybrid vsock handshake: line too long");
        }
    }
}

} // namespace

Address parse_address(const std::string& text)
{
    Address a;
    auto rest = [&](const char* scheme) { return text.substr(std::strlen(scheme)); };
    if (text.starts_with("vsock://")) {
        a.kind = Address::Kind::Vsock;
        auto [cid, port] = split_port(rest("vsock://"), text);
        a.cid = parse_u32(cid, "vsock CID");
        a.port = port;
    } else if (text.starts_with("hvsock://")) {
        a.kind = Address::Kind::HybridVsock;
        auto [path, port] = split_port(rest("hvsock://"), text);
        a.path = path;
        a.port = port;
    } else if (text.starts_with("unix://")) {
        a.kind = Address::Kind::Unix;
        a.path = rest("unix://");
    } else if (text.starts_with("serial://")) {
        a.kind = Address::Kind::Serial;
        a.path = rest("serial://");
    } else if (text.starts_with("/") || text.starts_with(".")) {
        a.path = text;
    } else {
        throw std::invalid_argument("unknown address '" + text +
                                    "' (use vsock://CID:PORT, hvsock://PATH:PORT, unix://PATH or serial://NAME)");
    }
    if (a.kind != Address::Kind::Vsock && a.path.empty())
        throw std::invalid_argument("address '" + text + "' has an empty path");
    return a;
}

std::string to_string(const Address& a)
{
    switch (a.kind) {
    case Address::Kind::Vsock:
        return "vsock://" + (a.cid == 0xffffffffu ? std::string("-1") : std::to_string(a.cid)) + ":" +
               std::to_string(a.port);
    case Address::Kind::HybridVsock:
        return "hvsock://" + a.path + ":" + std::to_string(a.port);
    case Address::Kind::Unix:
        return "unix://" + a.path;
    case Address::Kind::Serial:
        return "serial://" + a.path;
    }
    return "?";
}

int connect_to(const Address& a, int timeout_ms)
{
    switch (a.kind) {
    case Address::Kind::Unix:
        return connect_unix(a.path);
    case Address::Kind::HybridVsock: {
        // Firecracker / Cloud Hypervisor: the host side is a unix socket;
        // ask it for the guest port, then it is a plain stream.
        int fd = connect_unix(a.path);
        std::string hello = "CONNECT " + std::to_string(a.port) + "\n";
        if (::write(fd, hello.data(), hello.size()) != static_cast<ssize_t>(hello.size())) {
            ::close(fd);
            fail("hybrid vsock handshake");
        }
        std::string reply = read_line(fd, timeout_ms);
        if (!reply.starts_with("OK")) {
            ::close(fd);
            errno = ECONNREFUSED;
            fail("hybrid vsock handshake answered '" + reply + "'");
        }
        return fd;
    }
    case Address::Kind::Vsock: {
        int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("vsock socket");
        sockaddr_vm sa{};
        sa.svm_family = AF_VSOCK;
        sa.svm_cid = a.cid;
        sa.svm_port = a.port;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
            int err = errno;
            ::close(fd);
            errno = err;
            fail("connect to " + to_string(a));
        }
        return fd;
    }
    case Address::Kind::Serial: {
        std::string dev = find_serial_port(a.path);
        if (dev.empty()) {
            errno = ENOENT;
            fail("no virtio-serial port named " + a.path);
        }
        int fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0)
            fail("open " + dev);
        return fd;
    }
    }
    errno = EINVAL;
    fail("connect");
}

int listen_on(const Address& a)
{
    switch (a.kind) {
    case Address::Kind::Unix: {
        ::unlink(a.path.c_str());
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("socket");
        sockaddr_un sa = unix_addr(a.path);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || ::listen(fd, 64) != 0) {
            int err = errno;
            ::close(fd);
            errno = err;
            fail("listen on " + a.path);
        }
        return fd;
    }
    case Address::Kind::Vsock:
    case Address::Kind::HybridVsock: { // the guest side of hybrid vsock is plain vsock
        int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("vsock socket");
        sockaddr_vm sa{};
        sa.svm_family = AF_VSOCK;
        sa.svm_cid = a.kind == Address::Kind::Vsock ? a.cid : VMADDR_CID_ANY;
        sa.svm_port = a.port;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 || ::listen(fd, 64) != 0) {
            int err = errno;
            ::close(fd);
            errno = err;
            fail("listen on " + to_string(a));
        }
        return fd;
    }
    case Address::Kind::Serial:
        return connect_to(a);
    }
    errno = EINVAL;
    fail("listen");
}

std::string find_serial_port(const std::string& name)
{
    DIR* dir = ::opendir("/sys/class/virtio-ports");
    if (!dir)
        return "";
    std::string found;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.')
            continue;
        std::ifstream in(std::string("/sys/class/virtio-ports/") + e->d_name + "/name");
        std::string port_name;
        std::getline(in, port_name);
        if (port_name == name) {
            found = std::string("/dev/") + e->d_name;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

} // namespace ttrpc
