#include "network.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "kadapter/error.hpp"
#include "net_text.hpp"
#include "rtnl.hpp"

namespace guest_init {
namespace {

using net::IpAddress;
using net::IpPrefix;

// ---- reading libnl objects ----

template <typename T> std::vector<T*> objects(nl_cache* cache)
{
    std::vector<T*> out;
    for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
        out.push_back(reinterpret_cast<T*>(o));
    return out;
}

std::optional<IpAddress> ip_of(nl_addr* a)
{
    if (!a)
        return std::nullopt;
    IpAddress ip;
    ip.family = nl_addr_get_family(a);
    if ((ip.family != AF_INET && ip.family != AF_INET6) || nl_addr_get_len(a) != ip.size())
        return std::nullopt;
    std::copy_n(static_cast<const uint8_t*>(nl_addr_get_binary_addr(a)), ip.size(), ip.bytes.begin());
    return ip;
}

rtnl::Addr to_nl(const IpAddress& ip, int prefix_length)
{
    return rtnl::make_addr(ip.family, ip.bytes.data(), ip.size(), prefix_length);
}

types::IPFamily family_of(int af)
{
    return af == AF_INET6 ? types::IPFamily::v6 : types::IPFamily::v4;
}

std::string link_name(nl_cache* links, int ifindex)
{
    char buf[IFNAMSIZ + 1] = {};
    return rtnl_link_i2name(links, ifindex, buf, sizeof(buf)) ? buf : "";
}

// The link whose hardware address is `mac`; null when none. Never the
// loopback device, whose address is all zeros.
rtnl_link* link_by_mac(nl_cache* links, const net::Mac& mac)
{
    for (auto* l : objects<rtnl_link>(links)) {
        if (rtnl_link_get_flags(l) & IFF_LOOPBACK)
            continue;
        nl_addr* a = rtnl_link_get_addr(l);
        if (a && nl_addr_get_len(a) == mac.size() &&
            std::equal(mac.begin(), mac.end(), static_cast<const uint8_t*>(nl_addr_get_binary_addr(a))))
            return l;
    }
    return nullptr;
}

std::string name_of(rtnl_link* l)
{
    const char* name = rtnl_link_get_name(l);
    return name ? name : "";
}

int ifindex_of(nl_cache* links, const std::string& name, const std::string& field)
{
    rtnl_link* l = rtnl_link_get_by_name(links, name.c_str()); // takes a reference
    if (!l)
        throw kadapter::Error(kadapter::Errc::NotFound, field + " '" + name + "': no such network interface");
    int index = rtnl_link_get_ifindex(l);
    rtnl_link_put(l);
    return index;
}

types::Interface describe_link(rtnl_link* l, nl_cache* addrs)
{
    types::Interface out;
    out.set_name(name_of(l));
    if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) > 0)
        out.set_hwaddr(net::format_mac(static_cast<const uint8_t*>(nl_addr_get_binary_addr(a)), nl_addr_get_len(a)));
    out.set_mtu(rtnl_link_get_mtu(l));
    out.set_raw_flags(rtnl_link_get_flags(l));
    if (const char* kind = rtnl_link_get_type(l))
        out.set_type(kind);
    for (auto* a : objects<rtnl_addr>(addrs)) {
        if (rtnl_addr_get_ifindex(a) != rtnl_link_get_ifindex(l))
            continue;
        auto ip = ip_of(rtnl_addr_get_local(a));
        if (!ip)
            continue;
        auto* p = out.add_ipaddresses();
        p->set_family(family_of(ip->family));
        p->set_address(ip->str());
        p->set_mask(std::to_string(rtnl_addr_get_prefixlen(a)));
    }
    return out;
}

// The kernel refused a change: bad input it alone could judge (an MTU out
// of the device's range, an unreachable gateway) is the caller's error.
[[noreturn]] void refused(const rtnl::Error& e)
{
    switch (e.sys_errno()) {
    case EINVAL:
    case ERANGE:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
    case EOPNOTSUPP:
    case EEXIST:
        throw std::invalid_argument(e.what());
    case ENODEV:
        throw kadapter::Error(kadapter::Errc::NotFound, e.what());
    default:
        throw kadapter::Error(kadapter::Errc::System, e.what(), e.sys_errno());
    }
}

bool ipv6_enabled()
{
    // As the kata-agent: IPv6 addresses are skipped, not refused, on a
    // guest whose stack has IPv6 off.
    for (const char* f : {"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
        std::ifstream in(f);
        int v = 1;
        if (in >> v && v == 0)
            return true;
    }
    return false;
}

// ---- UpdateInterface ----

struct WantedAddress {
    IpAddress ip;
    int length;
};

std::vector<WantedAddress> parse_addresses(const types::Interface& iface)
{
    std::vector<WantedAddress> out;
    for (int i = 0; i < iface.ipaddresses_size(); ++i) {
        const auto& a = iface.ipaddresses(i);
        const std::string field = "interface.IPAddresses[" + std::to_string(i) + "]";
        IpAddress ip = net::parse_ip(a.address(), field + ".address");
        // v4 is the field's default, so only a v6 claim can contradict.
        if (a.family() == types::IPFamily::v6 && ip.family != AF_INET6)
            throw std::invalid_argument(field + ".family is v6 but the address '" + a.address() + "' is IPv4");
        out.push_back({ip, net::parse_prefix_length(a.mask(), ip.family, field + ".mask")});
    }
    return out;
}

void change_link(rtnl::Session& nl, int ifindex, rtnl_link* changes, const std::string& what)
{
    rtnl::Link target(rtnl_link_alloc());
    if (!target)
        throw std::bad_alloc();
    rtnl_link_set_ifindex(target.get(), ifindex);
    try {
        nl.check(rtnl_link_change(nl.get(), target.get(), changes, 0), what);
    } catch (const rtnl::Error& e) {
        refused(e);
    }
}

void set_link(rtnl::Session& nl, int ifindex, const std::string& what, const std::function<void(rtnl_link*)>& fill)
{
    rtnl::Link changes(rtnl_link_alloc());
    if (!changes)
        throw std::bad_alloc();
    fill(changes.get());
    change_link(nl, ifindex, changes.get(), what);
}

void set_up(rtnl::Session& nl, int ifindex, bool up, const std::string& name)
{
    set_link(nl, ifindex, std::string(up ? "bringing up " : "bringing down ") + name,
             [&](rtnl_link* c) { up ? rtnl_link_set_flags(c, IFF_UP) : rtnl_link_unset_flags(c, IFF_UP); });
}

void rename_link(rtnl::Session& nl, int ifindex, const std::string& from, const std::string& to)
{
    set_link(nl, ifindex, "renaming " + from + " to " + to, [&](rtnl_link* c) { rtnl_link_set_name(c, to.c_str()); });
}

// Makes the link's addresses exactly `wanted`, touching only those that
// differ, so a kept address keeps its routes.
void sync_addresses(rtnl::Session& nl, int ifindex, const std::vector<WantedAddress>& wanted)
{
    const bool v6 = ipv6_enabled();
    auto current = nl.addresses();
    auto is_wanted = [&](const IpAddress& ip, int len) {
        return std::any_of(wanted.begin(), wanted.end(),
                           [&](const WantedAddress& w) { return w.ip == ip && w.length == len; });
    };
    for (auto* a : objects<rtnl_addr>(current.get())) {
        if (rtnl_addr_get_ifindex(a) != ifindex)
            continue;
        auto ip = ip_of(rtnl_addr_get_local(a));
        int len = rtnl_addr_get_prefixlen(a);
        // The kernel's link-local address is what IPv6 neighbour discovery runs on.
        if (!ip || is_wanted(*ip, len) || ip->is_link_local())
            continue;
        try {
            nl.check(rtnl_addr_delete(nl.get(), a, 0), "removing address " + ip->str() + "/" + std::to_string(len));
        } catch (const rtnl::Error& e) {
            if (e.sys_errno() != EADDRNOTAVAIL) // gone already
                refused(e);
        }
    }
    // Read again: removing a primary IPv4 address removes its secondaries.
    std::vector<std::pair<IpAddress, int>> present;
    auto left = nl.addresses();
    for (auto* a : objects<rtnl_addr>(left.get()))
        if (auto ip = ip_of(rtnl_addr_get_local(a)); ip && rtnl_addr_get_ifindex(a) == ifindex)
            present.emplace_back(*ip, rtnl_addr_get_prefixlen(a));
    for (size_t i = 0; i < wanted.size(); ++i) {
        const auto& w = wanted[i];
        if (std::find(present.begin(), present.end(), std::pair(w.ip, w.length)) != present.end())
            continue;
        if (w.ip.family == AF_INET6 && !v6) {
            spdlog::warn("UpdateInterface: IPv6 is disabled in the guest, skipping {}/{}", w.ip.str(), w.length);
            continue;
        }
        rtnl::Address a(rtnl_addr_alloc());
        if (!a)
            throw std::bad_alloc();
        rtnl_addr_set_ifindex(a.get(), ifindex);
        rtnl_addr_set_family(a.get(), w.ip.family);
        auto local = to_nl(w.ip, w.length);
        nl.check(rtnl_addr_set_local(a.get(), local.get()), "address");
        rtnl_addr_set_prefixlen(a.get(), w.length);
        if (w.ip.family == AF_INET && w.length < 31) {
            // As `ip addr add ... brd +` and the kata-agent: the subnet's broadcast address.
            IpAddress brd = w.ip;
            uint32_t host = w.length == 0 ? ~0u : (~0u >> w.length);
            for (int b = 0; b < 4; ++b)
                brd.bytes[b] |= static_cast<uint8_t>(host >> (24 - 8 * b));
            auto nl_brd = to_nl(brd, 32);
            nl.check(rtnl_addr_set_broadcast(a.get(), nl_brd.get()), "broadcast");
        }
        try {
            nl.check(rtnl_addr_add(nl.get(), a.get(), NLM_F_REPLACE),
                     "interface.IPAddresses[" + std::to_string(i) + "] " + w.ip.str() + "/" + std::to_string(w.length));
        } catch (const rtnl::Error& e) {
            refused(e);
        }
    }
}

// ---- UpdateRoutes ----

struct WantedRoute {
    std::string field; // "routes.Routes[i]"
    int family = AF_INET;
    IpPrefix dest;
    std::optional<IpAddress> gateway;
    std::optional<IpAddress> pref_src; // `source` without a prefix: the preferred source address
    std::optional<IpPrefix> src;       // IPv6 `source` with one: source-prefix routing
    std::string device;
    int ifindex = 0;
    uint8_t scope = 0;
    uint32_t flags = 0;
    uint32_t mtu = 0;
};

WantedRoute parse_route(const types::Route& r, int i)
{
    WantedRoute w;
    w.field = "routes.Routes[" + std::to_string(i) + "]";
    if (r.device().empty())
        throw std::invalid_argument(w.field + ".device is empty: every route names its interface");
    w.device = r.device();
    if (r.scope() > 255)
        throw std::invalid_argument(w.field + ".scope " + std::to_string(r.scope()) + " is not a route scope (0-255)");
    w.scope = static_cast<uint8_t>(r.scope());
    w.flags = r.flags();
    w.mtu = r.mtu();

    // The family: what the addresses say; the field only when there are
    // none (its default, v4, cannot be told from "not set").
    std::optional<int> family;
    auto agree = [&](int af, const std::string& what) {
        if (family && *family != af)
            throw std::invalid_argument(w.field + "." + what + " is " + (af == AF_INET6 ? "IPv6" : "IPv4") +
                                        " but the route's other addresses are not");
        family = af;
    };
    std::optional<IpPrefix> dest;
    if (!r.dest().empty() && r.dest() != "default") {
        dest = net::parse_prefix(r.dest(), w.field + ".dest");
        agree(dest->address.family, "dest");
    }
    if (!r.gateway().empty()) {
        w.gateway = net::parse_ip(r.gateway(), w.field + ".gateway");
        agree(w.gateway->family, "gateway");
    }
    if (!r.source().empty()) {
        auto src = net::parse_prefix(r.source(), w.field + ".source");
        agree(src.address.family, "source");
        // IPv4 has no source routing: there `source` is only ever the
        // preferred source, as the shim means it (a bare address).
        if (r.source().find('/') == std::string::npos || src.length == 0 || src.address.family == AF_INET)
            w.pref_src = src.address;
        else
            w.src = src;
    }
    if (family && r.family() == types::IPFamily::v6 && *family != AF_INET6)
        throw std::invalid_argument(w.field + ".family is v6 but its addresses are IPv4");
    w.family = family.value_or(r.family() == types::IPFamily::v6 ? AF_INET6 : AF_INET);
    if (dest) {
        w.dest = *dest;
    } else {
        w.dest.address.family = w.family; // default: all zeros, length 0
        w.dest.length = 0;
    }
    return w;
}

rtnl::Route build_route(const WantedRoute& w)
{
    rtnl::Route r(rtnl_route_alloc());
    rtnl::Nexthop nh(rtnl_route_nh_alloc());
    if (!r || !nh)
        throw std::bad_alloc();
    rtnl_route_set_family(r.get(), static_cast<uint8_t>(w.family));
    rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
    rtnl_route_set_type(r.get(), RTN_UNICAST);
    rtnl_route_set_protocol(r.get(), RTPROT_BOOT); // what the kata-agent marks its routes with
    rtnl_route_set_scope(r.get(), w.scope);
    rtnl_route_set_flags(r.get(), w.flags);
    auto dst = to_nl(w.dest.address, w.dest.length);
    rtnl_route_set_dst(r.get(), dst.get());
    if (w.pref_src) {
        auto a = to_nl(*w.pref_src, w.pref_src->max_prefix());
        rtnl_route_set_pref_src(r.get(), a.get());
    }
    if (w.src) {
        auto a = to_nl(w.src->address, w.src->length);
        rtnl_route_set_src(r.get(), a.get());
    }
    if (w.mtu)
        rtnl_route_set_metric(r.get(), RTAX_MTU, w.mtu);
    rtnl_route_nh_set_ifindex(nh.get(), w.ifindex);
    if (w.gateway) {
        auto gw = to_nl(*w.gateway, w.gateway->max_prefix());
        rtnl_route_nh_set_gateway(nh.get(), gw.get());
    }
    rtnl_route_add_nexthop(r.get(), nh.release()); // the route owns it now
    return r;
}

std::string describe(const WantedRoute& w)
{
    std::string s = w.dest.length == 0 ? "default" : w.dest.str();
    if (w.gateway)
        s += " via " + w.gateway->str();
    return s + " dev " + w.device;
}

int route_ifindex(rtnl_route* r)
{
    if (rtnl_route_get_nnexthops(r) < 1)
        return 0;
    return rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0));
}

bool has_gateway(rtnl_route* r)
{
    return rtnl_route_get_nnexthops(r) > 0 && rtnl_route_nh_get_gateway(rtnl_route_nexthop_n(r, 0));
}

grpc::Routes dump_routes(rtnl::Session& nl)
{
    auto links = nl.links();
    auto routes = nl.routes();
    grpc::Routes out;
    for (auto* r : objects<rtnl_route>(routes.get())) {
        const int af = rtnl_route_get_family(r);
        if (rtnl_route_get_table(r) != RT_TABLE_MAIN || (af != AF_INET && af != AF_INET6))
            continue;
        auto* o = out.add_routes();
        o->set_family(family_of(af));
        o->set_scope(rtnl_route_get_scope(r));
        o->set_flags(rtnl_route_get_flags(r));
        nl_addr* dst = rtnl_route_get_dst(r);
        auto dst_ip = ip_of(dst);
        int dst_len = dst ? nl_addr_get_prefixlen(dst) : 0;
        if (!dst_ip) { // the default route carries no destination
            dst_ip = IpAddress{};
            dst_ip->family = af;
            dst_len = 0;
        }
        o->set_dest(IpPrefix{*dst_ip, dst_len}.str()); // "0.0.0.0/0" for the default route
        if (auto p = ip_of(rtnl_route_get_pref_src(r)))
            o->set_source(p->str());
        else if (auto s = ip_of(rtnl_route_get_src(r)); s && nl_addr_get_prefixlen(rtnl_route_get_src(r)) > 0)
            o->set_source(IpPrefix{*s, static_cast<int>(nl_addr_get_prefixlen(rtnl_route_get_src(r)))}.str());
        if (rtnl_route_get_nnexthops(r) > 0) {
            rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
            if (auto gw = ip_of(rtnl_route_nh_get_gateway(nh)))
                o->set_gateway(gw->str());
            o->set_device(link_name(links.get(), rtnl_route_nh_get_ifindex(nh)));
        }
        uint32_t mtu = 0;
        if (rtnl_route_get_metric(r, RTAX_MTU, &mtu) == 0)
            o->set_mtu(mtu);
    }
    return out;
}

} // namespace

types::Interface Network::update_interface(const types::Interface& iface)
{
    // Everything checked before anything changes.
    const auto mac = net::parse_mac(iface.hwaddr(), "interface.hwAddr");
    net::check_link_name(iface.name(), "interface.name");
    if (iface.mtu() > UINT32_MAX)
        throw std::invalid_argument("interface.mtu " + std::to_string(iface.mtu()) + " is out of range");
    const auto wanted = parse_addresses(iface);

    std::lock_guard lock(mu_);
    rtnl::Session nl;
    auto links = nl.links();
    rtnl_link* link = link_by_mac(links.get(), mac);
    if (!link)
        throw kadapter::Error(kadapter::Errc::NotFound,
                              "interface.hwAddr " + iface.hwaddr() + ": no network interface has this address");
    const int ifindex = rtnl_link_get_ifindex(link);
    const std::string old_name = name_of(link);
    const bool was_up = rtnl_link_get_flags(link) & IFF_UP;

    // A link already called `name` gets this one's name, as with the
    // kata-agent; never the loopback device, which everything relies on.
    rtnl_link* holder = nullptr;
    if (old_name != iface.name()) {
        holder = rtnl_link_get_by_name(links.get(), iface.name().c_str());
        if (holder) {
            rtnl_link_put(holder); // the cache keeps it alive
            if (rtnl_link_get_flags(holder) & IFF_LOOPBACK)
                throw std::invalid_argument("interface.name '" + iface.name() + "' is the loopback device's name");
        }
    }

    // The MTU first: the kernel checks it against the device's range, and
    // a refusal then leaves the link exactly as it was.
    if (iface.mtu() != 0 && iface.mtu() != rtnl_link_get_mtu(link))
        set_link(nl, ifindex, "interface.mtu " + std::to_string(iface.mtu()),
                 [&](rtnl_link* c) { rtnl_link_set_mtu(c, static_cast<unsigned>(iface.mtu())); });

    // Renaming needs the link down; otherwise it stays up, so its routes
    // (which the kernel drops when a link goes down) survive a repeated call.
    if (old_name != iface.name()) {
        if (was_up)
            set_up(nl, ifindex, false, old_name);
        if (holder) {
            const int other = rtnl_link_get_ifindex(holder);
            const bool other_up = rtnl_link_get_flags(holder) & IFF_UP;
            const std::string parked = "kadtmp" + std::to_string(other);
            if (other_up)
                set_up(nl, other, false, iface.name());
            rename_link(nl, other, iface.name(), parked);
            rename_link(nl, ifindex, old_name, iface.name());
            rename_link(nl, other, parked, old_name);
            if (other_up)
                set_up(nl, other, true, old_name);
        } else {
            rename_link(nl, ifindex, old_name, iface.name());
        }
    }

    sync_addresses(nl, ifindex, wanted);

    set_link(nl, ifindex, "bringing up " + iface.name(), [&](rtnl_link* c) {
        rtnl_link_set_flags(c, IFF_UP);
        // raw_flags carries the host link's IFF_NOARP, as the kata-agent reads it.
        (iface.raw_flags() & IFF_NOARP) ? rtnl_link_set_flags(c, IFF_NOARP) : rtnl_link_unset_flags(c, IFF_NOARP);
    });
    spdlog::info("UpdateInterface: {} (was {}) {} mtu {}, {} addresses, up", iface.name(), old_name, iface.hwaddr(),
                 iface.mtu(), wanted.size());

    auto now = nl.links();
    auto addrs = nl.addresses();
    rtnl_link* l = rtnl_link_get(now.get(), ifindex);
    if (!l)
        throw kadapter::Error(kadapter::Errc::NotFound, "interface " + iface.name() + " vanished");
    rtnl::Link hold(l);
    return describe_link(l, addrs.get());
}

grpc::Routes Network::update_routes(const grpc::Routes& req)
{
    std::vector<WantedRoute> wanted;
    for (int i = 0; i < req.routes_size(); ++i)
        wanted.push_back(parse_route(req.routes(i), i));
    // Routes without a gateway first: a gateway must be reachable when its
    // route is added.
    std::stable_partition(wanted.begin(), wanted.end(), [](const WantedRoute& w) { return !w.gateway; });

    std::lock_guard lock(mu_);
    rtnl::Session nl;
    auto links = nl.links();
    std::set<int> devices;
    for (auto& w : wanted) {
        w.ifindex = ifindex_of(links.get(), w.device, w.field + ".device");
        devices.insert(w.ifindex);
    }

    // The routes being replaced: ours and the runtime's on those devices.
    // Routes the kernel made for an address (proto kernel) belong to the
    // address, and IPv6's link-local ones keep neighbour discovery working.
    auto current = nl.routes();
    std::vector<rtnl_route*> old;
    for (auto* r : objects<rtnl_route>(current.get()))
        if (rtnl_route_get_table(r) == RT_TABLE_MAIN && rtnl_route_get_protocol(r) != RTPROT_KERNEL &&
            devices.count(route_ifindex(r)))
            old.push_back(r);

    // Adding replaces a route with the same destination and metric: one on
    // a device the request does not name would be lost, and not restored if
    // the update is refused. Such a request is refused before any change.
    for (const auto& w : wanted) {
        auto built = build_route(w);
        for (auto* r : objects<rtnl_route>(current.get()))
            if (rtnl_route_get_table(r) == RT_TABLE_MAIN && !devices.count(route_ifindex(r)) &&
                rtnl_route_get_family(r) == rtnl_route_get_family(built.get()) &&
                rtnl_route_get_priority(r) == rtnl_route_get_priority(built.get()) &&
                nl_addr_cmp(rtnl_route_get_dst(r), rtnl_route_get_dst(built.get())) == 0)
                throw std::invalid_argument(w.field + " (" + describe(w) +
                                            ") would replace a route on another interface, which the request "
                                            "does not name");
    }

    for (auto* r : old) {
        try {
            nl.check(rtnl_route_delete(nl.get(), r, 0), "removing a route");
        } catch (const rtnl::Error& e) {
            if (e.sys_errno() != ESRCH && e.sys_errno() != ENOENT) // gone with its link's address already
                refused(e);
        }
    }

    std::vector<rtnl::Route> added;
    try {
        for (const auto& w : wanted) {
            auto r = build_route(w);
            try {
                nl.check(rtnl_route_add(nl.get(), r.get(), NLM_F_REPLACE), w.field + " (" + describe(w) + ")");
            } catch (const rtnl::Error& e) {
                refused(e);
            }
            added.push_back(std::move(r));
        }
    } catch (...) {
        // Put the old routes back, so a refused list changes nothing; their
        // gateways' link routes first again.
        for (auto& r : added)
            rtnl_route_delete(nl.get(), r.get(), 0);
        std::stable_partition(old.begin(), old.end(), [](rtnl_route* r) { return !has_gateway(r); });
        for (auto* r : old)
            rtnl_route_add(nl.get(), r, NLM_F_REPLACE);
        throw;
    }
    spdlog::info("UpdateRoutes: {} routes replaced by {}", old.size(), wanted.size());
    return dump_routes(nl);
}

void Network::add_arp_neighbors(const grpc::ARPNeighbors& req)
{
    struct Wanted {
        std::string field;
        IpAddress ip;
        std::optional<net::Mac> lladdr;
        std::string device;
        int ifindex = 0;
        int state = NUD_PERMANENT;
        int flags = 0;
    };
    std::vector<Wanted> wanted;
    for (int i = 0; i < req.arpneighbors_size(); ++i) {
        const auto& n = req.arpneighbors(i);
        Wanted w;
        w.field = "neighbors.ARPNeighbors[" + std::to_string(i) + "]";
        w.ip = net::parse_ip(n.toipaddress().address(), w.field + ".toIPAddress.address");
        if (!n.lladdr().empty())
            w.lladdr = net::parse_mac(n.lladdr(), w.field + ".lladdr");
        if (n.device().empty())
            throw std::invalid_argument(w.field + ".device is empty");
        w.device = n.device();
        // The kernel's NUD_* bits and NTF_* flags are one byte each.
        if (n.state() < 0 || n.state() > 0xff)
            throw std::invalid_argument(w.field + ".state " + std::to_string(n.state()) + " is not a NUD state");
        if (n.flags() < 0 || n.flags() > 0xff)
            throw std::invalid_argument(w.field + ".flags " + std::to_string(n.flags()) + " are not neighbour flags");
        if (n.state() != 0)
            w.state = n.state();
        w.flags = n.flags();
        wanted.push_back(std::move(w));
    }

    std::lock_guard lock(mu_);
    rtnl::Session nl;
    auto links = nl.links();
    for (auto& w : wanted)
        w.ifindex = ifindex_of(links.get(), w.device, w.field + ".device");
    for (const auto& w : wanted) {
        rtnl::Neighbour n(rtnl_neigh_alloc());
        if (!n)
            throw std::bad_alloc();
        rtnl_neigh_set_ifindex(n.get(), w.ifindex);
        rtnl_neigh_set_family(n.get(), w.ip.family);
        auto dst = to_nl(w.ip, w.ip.max_prefix());
        nl.check(rtnl_neigh_set_dst(n.get(), dst.get()), w.field);
        if (w.lladdr) {
            auto ll = rtnl::make_addr(AF_LLC, w.lladdr->data(), w.lladdr->size(), 0);
            rtnl_neigh_set_lladdr(n.get(), ll.get());
        }
        rtnl_neigh_set_state(n.get(), w.state);
        if (w.flags)
            rtnl_neigh_set_flags(n.get(), static_cast<unsigned>(w.flags));
        try {
            nl.check(rtnl_neigh_add(nl.get(), n.get(), NLM_F_CREATE | NLM_F_REPLACE),
                     w.field + " (" + w.ip.str() + " dev " + w.device + ")");
        } catch (const rtnl::Error& e) {
            refused(e);
        }
    }
}

grpc::Interfaces Network::list_interfaces()
{
    std::lock_guard lock(mu_);
    rtnl::Session nl;
    auto links = nl.links();
    auto addrs = nl.addresses();
    grpc::Interfaces out;
    for (auto* l : objects<rtnl_link>(links.get()))
        *out.add_interfaces() = describe_link(l, addrs.get());
    return out;
}

grpc::Routes Network::list_routes()
{
    std::lock_guard lock(mu_);
    rtnl::Session nl;
    return dump_routes(nl);
}

} // namespace guest_init
