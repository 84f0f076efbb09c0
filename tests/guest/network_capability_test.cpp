// Network and capability rules in the guest kernel.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

int sock(Guest& g, const std::string& id, const char* family, const char* type, const char* proto)
{
    return g.probe(id, {"socket", family, type, proto}).status;
}

} // namespace

TEST_CASE("network Block icmp (the poster's policy): ping sockets fail, others work")
{
    auto& g = Guest::get();
    g.start_pod("ni", pod("ni", ksp("net-icmp", R"(network:
  matchProtocols:
    - protocol: icmp
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(sock(g, "ni", "inet", "raw", "1") == kEACCES);
    CHECK(g.alert(
        mark, {"\"PolicyName\":\"net-icmp\"", "\"Operation\":\"Network\"", "domain=AF_INET type=SOCK_RAW protocol=1"}));
    CHECK(sock(g, "ni", "inet", "dgram", "1") == kEACCES);
    CHECK(sock(g, "ni", "inet", "stream", "0") == 0);
    CHECK(sock(g, "ni", "inet", "dgram", "0") == 0);
    CHECK(sock(g, "ni", "inet6", "raw", "58") == 0); // icmpv6 is another protocol
    auto ping = g.run("ni", {"ping", "-c", "1", "127.0.0.1"});
    CHECK(ping.status != 0);
    g.remove("ni");
}

TEST_CASE("network rules are family-aware: tcp is inet and inet6, not unix")
{
    auto& g = Guest::get();
    g.start_pod("nt", pod("nt", ksp("net-tcp", R"(network:
  matchProtocols:
    - protocol: TCP
action: Block)")));
    CHECK(sock(g, "nt", "inet", "stream", "0") == kEACCES);
    CHECK(sock(g, "nt", "inet", "stream", "6") == kEACCES);
    CHECK(sock(g, "nt", "inet6", "stream", "0") == kEACCES);
    CHECK(sock(g, "nt", "unix", "stream", "0") == 0);
    CHECK(sock(g, "nt", "inet", "dgram", "0") == 0);
    g.remove("nt");
}

TEST_CASE("network socket types: raw covers every raw socket, packet ones too")
{
    auto& g = Guest::get();
    g.start_pod("nr", pod("nr", ksp("net-raw", R"(network:
  matchProtocols:
    - protocol: raw
action: Block)")));
    CHECK(sock(g, "nr", "inet", "raw", "255") == kEACCES);
    CHECK(sock(g, "nr", "inet6", "raw", "58") == kEACCES);
    CHECK(sock(g, "nr", "packet", "raw", "0") == kEACCES);
    CHECK(sock(g, "nr", "inet", "stream", "0") == 0);
    g.remove("nr");
}

TEST_CASE("network allow-list: only udp, the rest gets the network posture")
{
    auto& g = Guest::get();
    PodOptions o = pod("nu", ksp("net-allow", R"(network:
  matchProtocols:
    - protocol: udp
action: Allow)"));
    o.annotations["io.katacontainers.kadapter.posture"] = "network=block";
    g.start_pod("nu", o);
    size_t mark = g.log_mark();
    CHECK(sock(g, "nu", "inet", "dgram", "0") == 0);
    CHECK(sock(g, "nu", "inet", "stream", "0") == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "\"Operation\":\"Network\""}));
    CHECK(g.run("nu", {"cat", "/etc/passwd"}).status == 0); // files are another category
    g.remove("nu");
}

TEST_CASE("network fromSource")
{
    auto& g = Guest::get();
    g.start_pod("nf", pod("nf", ksp("net-source", R"(network:
  matchProtocols:
    - protocol: tcp
      fromSource:
        - path: /usr/bin/kadapter-probe
action: Block)")));
    CHECK(sock(g, "nf", "inet", "stream", "0") == kEACCES);
    // busybox nc opens a tcp socket: the rule is for the probe only.
    auto nc = g.run("nf", {"sh", "-c", "nc -w 1 127.0.0.1 9 </dev/null; echo $?"});
    CHECK(nc.err.find("Permission denied") == std::string::npos);
    g.remove("nf");
}

TEST_CASE("capability Block denies the privileged operation (EPERM from the kernel) and reports it")
{
    auto& g = Guest::get();
    g.start_pod("cb", pod("cb", ksp("cap-block", R"(capabilities:
  matchCapabilities:
    - capability: sys_chroot
    - capability: CAP_NET_BIND_SERVICE
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(g.probe("cb", {"cap", "sys_chroot"}).status == kEPERM);
    CHECK(g.alert(mark, {"\"PolicyName\":\"cap-block\"", "\"Operation\":\"Capabilities\"", "CAP_SYS_CHROOT"}));
    CHECK(g.probe("cb", {"cap", "net_bind_service"}).status == kEACCES); // bind(2) reports EACCES
    CHECK(g.probe("cb", {"cap", "chown"}).status == 0);
    g.remove("cb");
}

TEST_CASE("capability allow-list with the capabilities posture")
{
    auto& g = Guest::get();
    PodOptions o = pod("ca", ksp("cap-allow", R"(capabilities:
  matchCapabilities:
    - capability: chown
action: Allow)"));
    o.annotations["io.katacontainers.kadapter.posture"] = "capabilities=block";
    g.start_pod("ca", o);
    CHECK(g.probe("ca", {"cap", "chown"}).status == 0);
    CHECK(g.probe("ca", {"cap", "sys_chroot"}).status == kEPERM);
    CHECK(g.probe("ca", {"cap", "mknod"}).status == kEPERM);
    g.remove("ca");
}

TEST_CASE("network matchDNSQueries: the name asked for decides, subdomains and search suffixes included")
{
    auto& g = Guest::get();
    auto dns = [&](const std::string& id, const std::string& mode, const std::string& name) {
        return op(g, id, {"dns", mode, name});
    };
    g.start_pod("dns1", pod("dns1", ksp("dns-block", R"(network:
  matchDNSQueries:
    - domain: blocked.example.
action: Block)")));
    size_t mark = g.log_mark();
    // However the resolver sends it: connected UDP (glibc), sendto (musl),
    // IPv6, TCP with the length prefix in its own segment.
    for (const char* mode : {"udp", "sendto", "udp6", "tcp"}) {
        INFO(mode);
        CHECK(dns("dns1", mode, "blocked.example") == kEACCES);
    }
    CHECK(g.alert(mark, {"\"PolicyName\":\"dns-block\"", "\"Operation\":\"Network\"", "blocked.example",
                         "SOCKET_SENDMSG", "\"Action\":\"Block\""}));
    CHECK(dns("dns1", "udp", "www.blocked.example") == kEACCES);                       // below the domain
    CHECK(dns("dns1", "udp", "WWW.Blocked.EXAMPLE") == kEACCES);                       // any case
    CHECK(dns("dns1", "udp", "blocked.example.svc.cluster.local") == kEACCES);         // the pod resolver's search
    CHECK(dns("dns1", "udp", "blocked.example.default.svc.cluster.local") == kEACCES); // the policy's namespace
    CHECK(dns("dns1", "udp", "blocked.example.other.svc.cluster.local") == 0);         // not another one
    CHECK(dns("dns1", "udp", "notblocked.example") == 0);                              // labels, not characters
    CHECK(dns("dns1", "udp", "example") == 0);                                         // the parent is not covered
    CHECK(dns("dns1", "tcp", "other.example") == 0);
    CHECK(dns("dns1", "sendto", "other.example") == 0);
    // TCP ignores sendto's address: the stream's peer counts. A second
    // query behind an allowed one in the same write is not let through.
    CHECK(dns("dns1", "tcp-sendto80", "blocked.example") == kEACCES);
    CHECK(dns("dns1", "tcp-two", "blocked.example") == kEACCES);
    g.remove("dns1");

    // Allow-list: the allowed domain and its subdomains resolve, anything
    // else gets the network posture; a more specific Block still wins.
    PodOptions o = pod("dns2", ksp("dns-allow", R"(network:
  matchDNSQueries:
    - domain: allowed.example
      action: Allow
    - domain: private.allowed.example
      action: Block)"));
    o.annotations["io.katacontainers.kadapter.posture"] = "network=block";
    g.start_pod("dns2", o);
    mark = g.log_mark();
    CHECK(dns("dns2", "udp", "allowed.example") == 0);
    CHECK(dns("dns2", "udp", "api.allowed.example") == 0);
    CHECK(dns("dns2", "udp", "private.allowed.example") == kEACCES);
    CHECK(dns("dns2", "udp", "other.example") == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "other.example"}));
    // DNS has its own allow-list mode: sockets are not restricted.
    CHECK(sock(g, "dns2", "inet", "stream", "0") == 0);
    g.remove("dns2");
}
