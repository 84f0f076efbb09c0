#include "rtnl.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cstring>

#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>

namespace guest_init::rtnl {
namespace {

// libnl turns the kernel's errno into its own codes and drops the extended
// ack; keep both so an answer can say "mtu less than device minimum"
// rather than "Invalid input data or parameter".
int remember_error(sockaddr_nl*, nlmsgerr* err, void* arg)
{
    auto* last = static_cast<Session::LastError*>(arg);
    last->sys_errno = -err->error;
    last->message.clear();
    const auto* hdr = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) - NLMSG_HDRLEN);
    if (hdr->nlmsg_flags & NLM_F_ACK_TLVS) {
        // The TLVs follow the echoed request (only its header when capped).
        size_t off = NLMSG_HDRLEN + sizeof(nlmsgerr);
        if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
            off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
        const auto* base = reinterpret_cast<const char*>(hdr);
        while (off + NLA_HDRLEN <= hdr->nlmsg_len) {
            const auto* a = reinterpret_cast<const nlattr*>(base + off);
            if (a->nla_len < NLA_HDRLEN || off + a->nla_len > hdr->nlmsg_len)
                break;
            if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                const char* s = base + off + NLA_HDRLEN;
                last->message.assign(s, strnlen(s, a->nla_len - NLA_HDRLEN));
                break;
            }
            off += NLA_ALIGN(a->nla_len);
        }
    }
    return NL_STOP; // libnl then returns its code for this errno
}

} // namespace

Session::Session() : last_(std::make_unique<LastError>())
{
    sock_.reset(nl_socket_alloc());
    if (!sock_)
        throw Error("netlink: cannot allocate a socket", ENOMEM);
    check(nl_connect(sock_.get(), NETLINK_ROUTE), "netlink: connect");
    int on = 1;
    ::setsockopt(nl_socket_get_fd(sock_.get()), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on)); // best effort
    nl_socket_modify_err_cb(sock_.get(), NL_CB_CUSTOM, remember_error, last_.get());
}

void Session::check(int rc, const std::string& what)
{
    if (rc >= 0) {
        *last_ = {};
        return;
    }
    std::string reason;
    int sys_errno = last_->sys_errno;
    if (sys_errno) {
        reason = std::strerror(sys_errno);
        if (!last_->message.empty())
            reason += " (" + last_->message + ")";
    } else {
        reason = nl_geterror(rc);
    }
    *last_ = {};
    throw Error(what + ": " + reason, sys_errno);
}

Cache Session::links()
{
    nl_cache* c = nullptr;
    check(rtnl_link_alloc_cache(get(), AF_UNSPEC, &c), "netlink: listing links");
    return Cache(c);
}

Cache Session::addresses()
{
    nl_cache* c = nullptr;
    check(rtnl_addr_alloc_cache(get(), &c), "netlink: listing addresses");
    return Cache(c);
}

Cache Session::routes()
{
    nl_cache* c = nullptr;
    check(rtnl_route_alloc_cache(get(), AF_UNSPEC, 0, &c), "netlink: listing routes");
    return Cache(c);
}

Addr make_addr(int family, const void* bytes, size_t len, int prefix_length)
{
    Addr a(nl_addr_build(family, bytes, len));
    if (!a)
        throw Error("netlink: out of memory", ENOMEM);
    nl_addr_set_prefixlen(a.get(), prefix_length);
    return a;
}

} // namespace guest_init::rtnl
