// The kata-agent's network RPCs, driven as Kata's shim drives them: the
// suite's VM has one virtio-net NIC (kNicMac) on QEMU's user network, whose
// gateway 10.0.2.2 forwards to the host's loopback. A container shares the
// VM's network, so what it sees (ip, nc to the host) is what a pod sees.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "guest_suite.hpp"
#include "ttrpc/status.hpp"

using namespace kadapter::testing;

namespace {

constexpr const char* kPod = "net-pod";
const std::string kV4 = "10.0.2.15";
const std::string kV6 = "fd00:6b61::15";

types::Interface nic(const std::string& name, uint64_t mtu, std::vector<std::pair<std::string, std::string>> addrs)
{
    types::Interface i;
    i.set_hwaddr(kNicMac);
    i.set_name(name);
    i.set_mtu(mtu);
    for (const auto& [a, m] : addrs) {
        auto* p = i.add_ipaddresses();
        p->set_address(a);
        p->set_mask(m);
        p->set_family(a.find(':') != std::string::npos ? types::IPFamily::v6 : types::IPFamily::v4);
    }
    return i;
}

// A /32 address, as CNIs like Calico give pods: the gateway is reachable
// only through the link route UpdateRoutes adds, so routes make or break
// the pod's connectivity.
types::Interface eth0()
{
    return nic("eth0", 1400, {{kV4, "32"}, {kV6, "64"}});
}

types::Route route(const std::string& dest, const std::string& gateway, uint32_t scope = 0,
                   const std::string& source = "")
{
    types::Route r;
    r.set_dest(dest);
    r.set_gateway(gateway);
    r.set_device("eth0");
    r.set_scope(scope);
    r.set_source(source);
    bool v6 = (dest + gateway).find(':') != std::string::npos;
    r.set_family(v6 ? types::IPFamily::v6 : types::IPFamily::v4);
    return r;
}

// What the shim sends for such a pod, the gateway route first: the agent
// must add the link route to the gateway before it.
grpc::Routes pod_routes()
{
    grpc::Routes rs;
    *rs.add_routes() = route("", "10.0.2.2");
    *rs.add_routes() = route("10.0.2.2/32", "", 253, kV4);
    *rs.add_routes() = route("", "fd00:6b61::1");
    return rs;
}

std::optional<types::Interface> find(const grpc::Interfaces& all, const std::string& name)
{
    for (const auto& i : all.interfaces())
        if (i.name() == name)
            return i;
    return std::nullopt;
}

// Addresses as "address/mask", without the kernel's IPv6 link-local one.
std::set<std::string> addresses(const types::Interface& i)
{
    std::set<std::string> out;
    for (const auto& a : i.ipaddresses())
        if (a.address().rfind("fe80:", 0) != 0)
            out.insert(a.address() + "/" + a.mask());
    return out;
}

std::string show(const types::Route& r)
{
    return r.dest() + " via " + r.gateway() + " dev " + r.device() + " src " + r.source() + " scope " +
           std::to_string(r.scope());
}

std::set<std::string> shown(const grpc::Routes& rs)
{
    std::set<std::string> out;
    for (const auto& r : rs.routes())
        out.insert(show(r));
    return out;
}

std::set<std::string> shown(const grpc::Interfaces& is)
{
    std::set<std::string> out;
    for (const auto& i : is.interfaces()) {
        std::string s = i.name() + " " + i.hwaddr() + " mtu " + std::to_string(i.mtu()) + " flags " +
                        std::to_string(i.raw_flags() & IFF_UP);
        for (const auto& a : addresses(i))
            s += " " + a;
        out.insert(s);
    }
    return out;
}

// Calls `fn`, which must fail with `code` and a message containing `field`.
void refused(const std::function<void()>& fn, ttrpc::Code code, const std::string& field)
{
    try {
        fn();
        FAIL("accepted; expected " << ttrpc::to_string(code) << " naming " << field);
    } catch (const ttrpc::RpcError& e) {
        INFO(e.what());
        CHECK(e.code() == code);
        CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
}

// One HTTP answer per connection on the host's loopback, which the guest
// reaches as 10.0.2.2 through QEMU's user network.
class HostServer {
public:
    HostServer()
    {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(a);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot listen on the host's loopback");
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] {
            for (;;) {
                int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0 || stop_)
                    break;
                char buf[1024];
                [[maybe_unused]] auto n = ::read(c, buf, sizeof(buf));
                const std::string answer = "HTTP/1.0 200 OK\r\nContent-Length: 16\r\n\r\nhello from host\n";
                [[maybe_unused]] auto w = ::write(c, answer.data(), answer.size());
                ::close(c);
            }
        });
    }
    ~HostServer()
    {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::string port() const { return std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Whether `ip neigh` output has a permanent entry starting with `entry`.
bool neighbour(const std::string& ip_neigh, const std::string& entry)
{
    for (size_t at = ip_neigh.find(entry); at != std::string::npos; at = ip_neigh.find(entry, at + 1)) {
        std::string line = ip_neigh.substr(at, ip_neigh.find('\n', at) - at);
        if (line.find(" PERMANENT") != std::string::npos)
            return true;
    }
    return false;
}

// A container for looking at the network from inside, for one test case:
// other suites count the containers, so it goes when the case ends.
class NetPod {
public:
    NetPod() : g_(Guest::get())
    {
        PodOptions o;
        o.name = "net";
        o.service_account = false;
        g_.start_pod(kPod, o);
    }
    ~NetPod()
    {
        try {
            g_.remove(kPod);
        } catch (const std::exception& e) {
            WARN("removing " << kPod << ": " << e.what());
        }
    }
    Guest& guest() { return g_; }

private:
    Guest& g_;
};

// An HTTP request to the host from the container, with busybox nc: the
// wget of Debian's busybox-static 1.35 segfaults (on the host too).
kadapter::agent::RunResult fetch(Guest& g, const HostServer& host)
{
    return g.run(kPod, {"sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.2.2 " + host.port()});
}

bool reaches_host(Guest& g, const HostServer& host)
{
    auto r = fetch(g, host);
    UNSCOPED_INFO("nc: status " << r.status << ", out '" << r.out << "', err '" << r.err << "'");
    return r.status == 0 && r.out.find("\r\n\r\nhello from host\n") != std::string::npos;
}

} // namespace

TEST_CASE("UpdateInterface finds the NIC by its MAC, renames it, sets MTU and addresses, brings it up", "[network]")
{
    NetPod pod;
    auto& g = pod.guest();

    // Another name first, and one address: the answer and ListInterfaces
    // show the NIC as configured, under its new name only.
    auto r = g.agent().update_interface(nic("kad0", 1400, {{"10.0.2.16", "24"}}));
    CHECK(r.name() == "kad0");
    CHECK(r.hwaddr() == kNicMac);
    auto list = g.agent().list_interfaces();
    auto kad0 = find(list, "kad0");
    REQUIRE(kad0);
    CHECK_FALSE(find(list, "eth0"));
    CHECK(kad0->hwaddr() == kNicMac);
    CHECK(kad0->mtu() == 1400);
    CHECK((kad0->raw_flags() & IFF_UP) != 0);
    CHECK(addresses(*kad0) == std::set<std::string>{"10.0.2.16/24"});

    // Back to eth0, MTU 1500, and an IPv6 address beside the IPv4 one.
    r = g.agent().update_interface(nic("eth0", 1500, {{kV4, "24"}, {kV6, "64"}}));
    CHECK(r.name() == "eth0");
    list = g.agent().list_interfaces();
    auto e = find(list, "eth0");
    REQUIRE(e);
    CHECK_FALSE(find(list, "kad0"));
    CHECK(e->mtu() == 1500);
    CHECK((e->raw_flags() & IFF_UP) != 0);
    CHECK(addresses(*e) == std::set<std::string>{kV4 + "/24", kV6 + "/64"});
    for (const auto& a : e->ipaddresses())
        CHECK(a.family() == (a.address().find(':') != std::string::npos ? types::IPFamily::v6 : types::IPFamily::v4));
    auto lo = find(list, "lo");
    REQUIRE(lo);
    CHECK(addresses(*lo).count("127.0.0.1/8") == 1);

    // The addresses are replaced, not added to; the container sees it all.
    g.agent().update_interface(eth0());
    auto seen = g.run(kPod, {"sh", "-c", "cat /sys/class/net/eth0/mtu /sys/class/net/eth0/address; ip addr show eth0"});
    INFO(seen.out << seen.err);
    CHECK(seen.out.find("1400\n" + std::string(kNicMac)) == 0);
    CHECK(seen.out.find("inet " + kV4 + "/32") != std::string::npos);
    CHECK(seen.out.find("10.0.2.16") == std::string::npos);
    CHECK(seen.out.find("inet6 " + kV6 + "/64") != std::string::npos);
    CHECK(seen.out.find("UP") != std::string::npos);
    CHECK(addresses(*find(g.agent().list_interfaces(), "eth0")) == std::set<std::string>{kV4 + "/32", kV6 + "/64"});
}

TEST_CASE("UpdateRoutes replaces the routes of the interface and a container reaches the host through them",
          "[network]")
{
    NetPod pod;
    auto& g = pod.guest();
    HostServer host;
    g.agent().update_interface(eth0());
    g.agent().update_routes(grpc::Routes());
    CHECK_FALSE(reaches_host(g, host));

    auto answer = g.agent().update_routes(pod_routes());
    auto listed = g.agent().list_routes();
    CHECK(shown(answer) == shown(listed));
    auto routes = shown(listed);
    INFO(Catch::Detail::stringify(routes));
    CHECK(routes.count("0.0.0.0/0 via 10.0.2.2 dev eth0 src  scope 0") == 1);
    CHECK(routes.count("10.0.2.2/32 via  dev eth0 src 10.0.2.15 scope 253") == 1);
    CHECK(routes.count("::/0 via fd00:6b61::1 dev eth0 src  scope 0") == 1);

    // The container sees the routes and reaches the host through the gateway.
    auto ip = g.run(kPod, {"ip", "route"});
    CHECK(ip.out.find("default via 10.0.2.2 dev eth0") != std::string::npos);
    CHECK(reaches_host(g, host));

    // Another list replaces them: without a route to the gateway the host
    // is out of reach.
    grpc::Routes elsewhere;
    *elsewhere.add_routes() = route("10.0.9.0/24", "", 253);
    routes = shown(g.agent().update_routes(elsewhere));
    INFO(Catch::Detail::stringify(routes));
    CHECK(routes.count("10.0.9.0/24 via  dev eth0 src  scope 253") == 1);
    CHECK(std::none_of(routes.begin(), routes.end(), [](const std::string& r) {
        return r.find("10.0.2.2") != std::string::npos || r.find("::/0") == 0;
    }));
    auto cut = fetch(g, host);
    CHECK(cut.status != 0);
    CHECK(cut.err.find("unreachable") != std::string::npos);

    g.agent().update_routes(pod_routes());
    CHECK(reaches_host(g, host));
}

TEST_CASE("AddARPNeighbors adds permanent neighbours the container sees", "[network]")
{
    NetPod pod;
    auto& g = pod.guest();
    g.agent().update_interface(eth0());

    grpc::ARPNeighbors req;
    auto* n = req.add_arpneighbors();
    n->mutable_toipaddress()->set_address("10.0.2.77");
    n->set_device("eth0");
    n->set_lladdr("02:00:00:00:00:77");
    auto* n6 = req.add_arpneighbors();
    n6->mutable_toipaddress()->set_address("fd00:6b61::77");
    n6->mutable_toipaddress()->set_family(types::IPFamily::v6);
    n6->set_device("eth0");
    n6->set_lladdr("02:00:00:00:00:78");
    g.agent().add_arp_neighbors(req);

    auto seen = g.run(kPod, {"sh", "-c", "ip neigh show dev eth0; ip -6 neigh show dev eth0"});
    INFO(seen.out << seen.err);
    CHECK(neighbour(seen.out, "10.0.2.77 lladdr 02:00:00:00:00:77 "));
    CHECK(neighbour(seen.out, "fd00:6b61::77 lladdr 02:00:00:00:00:78 "));

    // Again with another MAC: replaced, not refused.
    n->set_lladdr("02:00:00:00:00:79");
    g.agent().add_arp_neighbors(req);
    seen = g.run(kPod, {"ip", "neigh", "show", "dev", "eth0"});
    INFO(seen.out);
    CHECK(neighbour(seen.out, "10.0.2.77 lladdr 02:00:00:00:00:79 "));
}

TEST_CASE("Network RPCs refuse bad input by naming the field, change nothing and keep serving", "[network]")
{
    NetPod pod;
    auto& g = pod.guest();
    HostServer host;
    g.agent().update_interface(eth0());
    g.agent().update_routes(pod_routes());
    const auto interfaces_before = shown(g.agent().list_interfaces());
    const auto routes_before = shown(g.agent().list_routes());
    using ttrpc::Code;

    auto update = [&](types::Interface i) { return [&g, i] { g.agent().update_interface(i); }; };
    auto with_address = [](const std::string& a, const std::string& m) {
        auto i = eth0();
        i.set_name("kadbad"); // would be renamed if anything were applied
        i.mutable_ipaddresses(1)->set_address(a);
        i.mutable_ipaddresses(1)->set_mask(m);
        i.mutable_ipaddresses(1)->set_family(a.find(':') != std::string::npos ? types::IPFamily::v6
                                                                              : types::IPFamily::v4);
        return i;
    };
    auto unknown = eth0();
    unknown.set_hwaddr("02:de:ad:be:ef:01");
    refused(update(unknown), Code::NotFound, "interface.hwAddr 02:de:ad:be:ef:01");
    unknown.set_hwaddr("00:00:00:00:00:00"); // the loopback device's: never a pod NIC
    refused(update(unknown), Code::NotFound, "interface.hwAddr 00:00:00:00:00:00");
    auto bad_mac = eth0();
    bad_mac.set_hwaddr("52:54:00:6b:61:zz");
    refused(update(bad_mac), Code::InvalidArgument, "interface.hwAddr");
    refused(update(with_address("10.0.2.300", "24")), Code::InvalidArgument, "interface.IPAddresses[1].address");
    refused(update(with_address("fd00:6b61::16", "129")), Code::InvalidArgument, "interface.IPAddresses[1].mask");
    refused(update(with_address("10.0.2.16", "33")), Code::InvalidArgument, "interface.IPAddresses[1].mask");
    refused(update(with_address("10.0.2.16", "")), Code::InvalidArgument, "interface.IPAddresses[1].mask");
    auto tiny_mtu = eth0();
    tiny_mtu.set_name("kadbad");
    tiny_mtu.set_mtu(10); // below what any Ethernet device takes: the kernel's call
    refused(update(tiny_mtu), Code::InvalidArgument, "interface.mtu 10");
    auto as_lo = eth0();
    as_lo.set_name("lo");
    refused(update(as_lo), Code::InvalidArgument, "interface.name 'lo'");
    auto bad_name = eth0();
    bad_name.set_name("eth/0");
    refused(update(bad_name), Code::InvalidArgument, "interface.name");
    refused([&] { g.agent().call("grpc.AgentService", "UpdateInterface", ""); }, Code::InvalidArgument, "no interface");

    auto routes_with = [](int i, std::function<void(types::Route&)> change) {
        auto rs = pod_routes();
        change(*rs.mutable_routes(i));
        return rs;
    };
    auto update_routes = [&](grpc::Routes rs) { return [&g, rs] { g.agent().update_routes(rs); }; };
    refused(update_routes(routes_with(1, [](types::Route& r) { r.set_device("nope0"); })), Code::NotFound,
            "routes.Routes[1].device 'nope0'");
    refused(update_routes(routes_with(0, [](types::Route& r) { r.set_gateway("10.0.2.x"); })), Code::InvalidArgument,
            "routes.Routes[0].gateway");
    refused(update_routes(routes_with(1, [](types::Route& r) { r.set_dest("10.0.2.0/33"); })), Code::InvalidArgument,
            "routes.Routes[1].dest");
    refused(update_routes(routes_with(0,
                                      [](types::Route& r) {
                                          r.set_gateway("fd00:6b61::1");
                                          r.set_dest("10.9.0.0/16");
                                      })),
            Code::InvalidArgument, "routes.Routes[0]");
    refused(update_routes(routes_with(1, [](types::Route& r) { r.set_scope(300); })), Code::InvalidArgument,
            "routes.Routes[1].scope");
    // Valid text the kernel refuses (a gateway off every connected network),
    // after the old routes went: they are put back.
    refused(update_routes(routes_with(0, [](types::Route& r) { r.set_gateway("192.168.99.1"); })),
            Code::InvalidArgument, "routes.Routes[0]");

    grpc::ARPNeighbors neighbours;
    auto* n = neighbours.add_arpneighbors();
    n->mutable_toipaddress()->set_address("10.0.2.88");
    n->set_device("eth0");
    n->set_lladdr("02:00:00:00:00:88");
    auto add_neighbours = [&](grpc::ARPNeighbors ns) { return [&g, ns] { g.agent().add_arp_neighbors(ns); }; };
    auto bad = neighbours;
    bad.mutable_arpneighbors(0)->set_lladdr("02:00:00:00:88");
    refused(add_neighbours(bad), Code::InvalidArgument, "neighbors.ARPNeighbors[0].lladdr");
    bad = neighbours;
    bad.mutable_arpneighbors(0)->set_device("nope0");
    refused(add_neighbours(bad), Code::NotFound, "neighbors.ARPNeighbors[0].device 'nope0'");
    bad = neighbours;
    bad.mutable_arpneighbors(0)->mutable_toipaddress()->set_address("10.0.2");
    refused(add_neighbours(bad), Code::InvalidArgument, "neighbors.ARPNeighbors[0].toIPAddress.address");

    // Nothing changed, and the agent serves on: the pod still reaches the host.
    CHECK(shown(g.agent().list_interfaces()) == interfaces_before);
    CHECK(shown(g.agent().list_routes()) == routes_before);
    CHECK(g.run(kPod, {"ip", "neigh", "show", "10.0.2.88"}).out.empty());
    CHECK(g.agent().check().status() == grpc::HealthCheckResponse::SERVING);
    CHECK(reaches_host(g, host));
}
