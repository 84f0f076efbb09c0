// rtnetlink through libnl-route-3: owning handles for libnl's objects and
// a session (one NETLINK_ROUTE socket) that reports the kernel's own reason
// when it refuses a request (errno and, where the kernel gives one, its
// extended-ack message), which libnl's error codes alone do not carry.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

namespace guest_init::rtnl {

template <auto Free> struct Deleter {
    template <typename T> void operator()(T* p) const { Free(p); }
};

using Socket = std::unique_ptr<nl_sock, Deleter<nl_socket_free>>;
using Cache = std::unique_ptr<nl_cache, Deleter<nl_cache_free>>;
using Addr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using Link = std::unique_ptr<rtnl_link, Deleter<rtnl_link_put>>;
using Address = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr_put>>;
using Route = std::unique_ptr<rtnl_route, Deleter<rtnl_route_put>>;
using Nexthop = std::unique_ptr<rtnl_nexthop, Deleter<rtnl_route_nh_free>>;
using Neighbour = std::unique_ptr<rtnl_neigh, Deleter<rtnl_neigh_put>>;

// A failed request: the errno the kernel answered (0 when libnl failed on
// its own) and a message naming what was asked.
class Error : public std::runtime_error {
public:
    Error(const std::string& what, int sys_errno) : std::runtime_error(what), errno_(sys_errno) {}
    int sys_errno() const { return errno_; }

private:
    int errno_;
};

class Session {
public:
    Session(); // throws Error
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    nl_sock* get() const { return sock_.get(); }

    // Fresh dumps of the kernel's state.
    Cache links();
    Cache addresses();
    Cache routes();

    // Throws Error("what: reason") when rc (a libnl return value) is an
    // error; the reason is the kernel's when it gave one.
    void check(int rc, const std::string& what);

    // Called by libnl for each error answer (see rtnl.cpp).
    struct LastError {
        int sys_errno = 0;
        std::string message; // the kernel's extended ack, if any
    };

private:
    Socket sock_;
    std::unique_ptr<LastError> last_; // where the callback writes; stable address
};

// A copy of a binary address (nl_addr_build), with its prefix length.
Addr make_addr(int family, const void* bytes, size_t len, int prefix_length);

} // namespace guest_init::rtnl
