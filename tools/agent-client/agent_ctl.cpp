// kadapter-agent-ctl: call the guest agent by hand. Handy for operators,
// and what the README's examples use.
//
//   kadapter-agent-ctl --addr unix:///run/vm/agent.sock check
//   kadapter-agent-ctl create web --rootfs /opt/kadapter/rootfs/busybox --policy p.yaml -- sleep 100
//   kadapter-agent-ctl exec web -- cat /etc/passwd
//   kadapter-agent-ctl update-interface 52:54:00:6b:61:64 --name eth0 --addr 10.0.2.15/24
//   kadapter-agent-ctl update-routes 'default via 10.0.2.2 dev eth0'
//   kadapter-agent-ctl list-routes
#include <signal.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>

#include "agent_client.hpp"
#include "kadapter/annotations.hpp"

using kadapter::agent::AgentClient;
using kadapter::agent::SpecBuilder;

namespace {

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::pair<std::string, std::string> split_kv(const std::string& s, char sep)
{
    auto i = s.find(sep);
    if (i == std::string::npos)
        throw CLI::ValidationError("'" + s + "' is not KEY" + sep + "VALUE");
    return {s.substr(0, i), s.substr(i + 1)};
}

int signal_number(const std::string& s)
{
    static const std::map<std::string, int> names = {{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT},
                                                     {"HUP", SIGHUP},   {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                                                     {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"QUIT", SIGQUIT}};
    std::string n = s.starts_with("SIG") ? s.substr(3) : s;
    if (auto it = names.find(n); it != names.end())
        return it->second;
    return std::stoi(s);
}

std::string scope_name(uint32_t scope)
{
    switch (scope) {
    case 0:
        return "global";
    case 200:
        return "site";
    case 253:
        return "link";
    case 254:
        return "host";
    default:
        return std::to_string(scope);
    }
}

// One route the way `ip route` prints it: DEST [via GW] dev DEV [src SRC]
// [scope SCOPE] [mtu N]; DEST is a prefix or "default".
types::Route parse_route(const std::string& text)
{
    std::istringstream in(text);
    std::vector<std::string> words{std::istream_iterator<std::string>(in), {}};
    if (words.empty())
        throw CLI::ValidationError("an empty route");
    types::Route r;
    r.set_dest(words[0] == "default" ? "" : words[0]);
    for (size_t i = 1; i < words.size(); i += 2) {
        if (i + 1 >= words.size())
            throw CLI::ValidationError("route '" + text + "': '" + words[i] + "' needs a value");
        const std::string& k = words[i];
        const std::string& v = words[i + 1];
        if (k == "via")
            r.set_gateway(v);
        else if (k == "dev")
            r.set_device(v);
        else if (k == "src")
            r.set_source(v);
        else if (k == "mtu")
            r.set_mtu(static_cast<uint32_t>(std::stoul(v)));
        else if (k == "scope")
            r.set_scope(v == "global" || v == "universe" ? 0
                        : v == "site"                    ? 200
                        : v == "link"                    ? 253
                        : v == "host"                    ? 254
                                                         : static_cast<uint32_t>(std::stoul(v)));
        else
            throw CLI::ValidationError("route '" + text + "': unknown keyword '" + k + "'");
    }
    bool v6 = text.find(':') != std::string::npos;
    r.set_family(v6 ? types::IPFamily::v6 : types::IPFamily::v4);
    return r;
}

void print_routes(const grpc::Routes& routes)
{
    for (const auto& r : routes.routes()) {
        bool any = r.dest() == "0.0.0.0/0" || r.dest() == "::/0" || r.dest().empty();
        std::cout << (any ? "default" : r.dest());
        if (!r.gateway().empty())
            std::cout << " via " << r.gateway();
        if (!r.device().empty())
            std::cout << " dev " << r.device();
        if (!r.source().empty())
            std::cout << " src " << r.source();
        if (r.scope() != 0)
            std::cout << " scope " << scope_name(r.scope());
        if (r.mtu() != 0)
            std::cout << " mtu " << r.mtu();
        std::cout << "\n";
    }
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"Call the kata-agent API of a kadapter guest (and its kadapter.PolicyService)"};
    app.require_subcommand(1);
    std::string addr = "unix:///run/kadapter/agent.sock";
    int timeout_s = 60;
    app.add_option("--addr", addr, "unix://PATH, vsock://CID:PORT or hvsock://PATH:PORT")->capture_default_str();
    app.add_option("--timeout", timeout_s, "seconds per call")->capture_default_str();

    std::function<int(AgentClient&)> action;

    app.add_subcommand("check", "grpc.Health/Check")->callback([&] {
        action = [](AgentClient& c) {
            auto r = c.check();
            std::cout << (r.status() == grpc::HealthCheckResponse::SERVING ? "SERVING" : "NOT_SERVING") << "\n";
            return 0;
        };
    });
    app.add_subcommand("version", "grpc.Health/Version")->callback([&] {
        action = [](AgentClient& c) {
            auto r = c.version();
            std::cout << r.agent_version() << " (API " << r.grpc_version() << ")\n";
            return 0;
        };
    });
    app.add_subcommand("details", "GetGuestDetails")->callback([&] {
        action = [](AgentClient& c) {
            auto r = c.guest_details();
            std::cout << "version: " << r.agent_details().version()
                      << "\ninit daemon: " << r.agent_details().init_daemon()
                      << "\nmemory block size: " << r.mem_block_size_bytes() << "\nfeatures:";
            for (const auto& f : r.agent_details().extra_features())
                std::cout << " " << f;
            std::cout << "\n";
            return 0;
        };
    });

    auto* sandbox = app.add_subcommand("create-sandbox", "CreateSandbox");
    std::string sb_host, sb_id = "sandbox";
    bool sb_pidns = false;
    sandbox->add_option("--hostname", sb_host);
    sandbox->add_option("--id", sb_id)->capture_default_str();
    sandbox->add_flag("--pidns", sb_pidns, "share one pid namespace between containers");
    sandbox->callback([&] {
        action = [&](AgentClient& c) {
            grpc::CreateSandboxRequest r;
            r.set_hostname(sb_host);
            r.set_sandbox_id(sb_id);
            r.set_sandbox_pidns(sb_pidns);
            c.create_sandbox(r);
            return 0;
        };
    });
    app.add_subcommand("destroy-sandbox", "DestroySandbox (the guest powers off)")->callback([&] {
        action = [](AgentClient& c) {
            c.destroy_sandbox();
            return 0;
        };
    });

    auto* create = app.add_subcommand("create", "CreateContainer");
    std::string cid, rootfs, policy_file, cgroup, container_name;
    std::vector<std::string> annotations, mounts, args;
    bool tty = false, start_too = false;
    create->add_option("id", cid)->required();
    create->add_option("--rootfs", rootfs, "rootfs directory in the guest")->required();
    create->add_option("--annotation", annotations, "KEY=VALUE (repeatable)");
    create->add_option("--policy", policy_file,
                       "KubeArmorPolicy YAML to put into " + std::string(kadapter::kPolicyAnnotation));
    create->add_option("--name", container_name, "io.kubernetes.cri.container-name");
    create->add_option("--mount", mounts, "SOURCE:DEST[:ro] bind mount (repeatable)");
    create->add_option("--cgroup", cgroup, "CgroupsPath");
    create->add_flag("--tty", tty);
    create->add_flag("--start", start_too, "StartContainer right away");
    create->add_option("args", args, "the command")->required();
    create->callback([&] {
        action = [&](AgentClient& c) {
            SpecBuilder spec(rootfs, args);
            spec.terminal(tty);
            if (!cgroup.empty())
                spec.cgroups_path(cgroup);
            if (!container_name.empty())
                spec.annotation("io.kubernetes.cri.container-name", container_name);
            for (const auto& a : annotations) {
                auto [k, v] = split_kv(a, '=');
                spec.annotation(k, v);
            }
            if (!policy_file.empty())
                spec.annotation(kadapter::kPolicyAnnotation, read_file(policy_file));
            for (const auto& m : mounts) {
                std::stringstream ss(m);
                std::string src, dst, mode;
                std::getline(ss, src, ':');
                std::getline(ss, dst, ':');
                std::getline(ss, mode, ':');
                std::vector<std::string> opts{"rbind"};
                if (mode == "ro")
                    opts.push_back("ro");
                spec.mount(src, dst, "bind", opts);
            }
            c.create_container(spec.request(cid));
            if (start_too)
                c.start_container(cid);
            return 0;
        };
    });

    auto* start = app.add_subcommand("start", "StartContainer");
    start->add_option("id", cid)->required();
    start->callback([&] {
        action = [&](AgentClient& c) {
            c.start_container(cid);
            return 0;
        };
    });

    auto* exec = app.add_subcommand("exec", "ExecProcess, print its output, exit with its status");
    std::string exec_id;
    exec->add_option("id", cid)->required();
    exec->add_option("--exec-id", exec_id);
    exec->add_option("args", args)->required();
    exec->callback([&] {
        action = [&](AgentClient& c) {
            auto r = c.run(cid, args, exec_id);
            std::cout << r.out << std::flush;
            std::cerr << r.err << std::flush;
            return r.status;
        };
    });

    auto* wait = app.add_subcommand("wait", "WaitProcess");
    wait->add_option("id", cid)->required();
    wait->add_option("exec-id", exec_id);
    wait->callback([&] {
        action = [&](AgentClient& c) {
            int s = c.wait_process(cid, exec_id);
            std::cout << s << "\n";
            return 0;
        };
    });

    auto* read = app.add_subcommand("read", "ReadStdout (or ReadStderr) until EOF");
    bool stderr_stream = false;
    read->add_option("id", cid)->required();
    read->add_option("exec-id", exec_id);
    read->add_flag("--stderr", stderr_stream);
    read->callback([&] {
        action = [&](AgentClient& c) {
            std::cout << c.drain(cid, exec_id, stderr_stream ? 2 : 1) << std::flush;
            return 0;
        };
    });

    auto* sig = app.add_subcommand("signal", "SignalProcess (no exec id: every process)");
    std::string signame = "TERM";
    sig->add_option("id", cid)->required();
    sig->add_option("--exec-id", exec_id);
    sig->add_option("--signal", signame)->capture_default_str();
    sig->callback([&] {
        action = [&](AgentClient& c) {
            c.signal_process(cid, exec_id, static_cast<uint32_t>(signal_number(signame)));
            return 0;
        };
    });

    auto* remove = app.add_subcommand("remove", "RemoveContainer");
    uint32_t remove_timeout = 10;
    remove->add_option("id", cid)->required();
    remove->add_option("--timeout", remove_timeout, "seconds, 0 = forever")->capture_default_str();
    remove->callback([&] {
        action = [&](AgentClient& c) {
            c.remove_container(cid, remove_timeout);
            return 0;
        };
    });

    auto* update = app.add_subcommand("update-policy", "kadapter.PolicyService/UpdatePolicy");
    std::string postures, labels;
    update->add_option("id", cid)->required();
    update->add_option("policy", policy_file, "KubeArmorPolicy YAML file")->required();
    update->add_option("--posture", postures, "file=block,network=audit,...");
    update->add_option("--labels", labels, "app=web,...");
    update->callback([&] {
        action = [&](AgentClient& c) {
            kadapter::UpdatePolicyRequest r;
            r.set_container_id(cid);
            r.set_policy(read_file(policy_file));
            for (const auto& [k, v] : kadapter::parse_labels(postures))
                (*r.mutable_postures())[k] = v;
            for (const auto& [k, v] : kadapter::parse_labels(labels))
                (*r.mutable_labels())[k] = v;
            auto resp = c.update_policy(r);
            std::cout << "ruleset " << resp.ruleset_id() << ": " << resp.rules() << " rules\n";
            return 0;
        };
    });

    auto* getp = app.add_subcommand("get-policy", "kadapter.PolicyService/GetPolicy");
    getp->add_option("id", cid)->required();
    getp->callback([&] {
        action = [&](AgentClient& c) {
            auto r = c.get_policy(cid);
            std::cout << "ruleset " << r.ruleset_id() << "\n" << r.rules_text();
            return 0;
        };
    });

    app.add_subcommand("list", "kadapter.PolicyService/ListContainers")->callback([&] {
        action = [](AgentClient& c) {
            auto r = c.list_containers();
            for (const auto& x : r.containers())
                std::cout << x.container_id() << "\t" << x.status() << "\t" << (x.bound() ? "bound" : "unbound")
                          << "\truleset=" << x.ruleset_id() << "\trules=" << x.rules() << "\n";
            return 0;
        };
    });

    auto* events = app.add_subcommand("events", "kadapter.PolicyService/ReadEvents (JSON lines)");
    uint32_t max_events = 100, timeout_ms = 1000;
    events->add_option("--max", max_events)->capture_default_str();
    events->add_option("--timeout-ms", timeout_ms)->capture_default_str();
    events->add_option("--container", cid);
    events->callback([&] {
        action = [&](AgentClient& c) {
            auto r = c.read_events(max_events, timeout_ms, cid);
            for (const auto& e : r.events())
                std::cout << e << "\n";
            if (r.dropped())
                std::cerr << r.dropped() << " events were dropped\n";
            return 0;
        };
    });

    app.add_subcommand("list-interfaces", "ListInterfaces")->callback([&] {
        action = [](AgentClient& c) {
            auto all = c.list_interfaces();
            for (const auto& i : all.interfaces()) {
                std::cout << i.name() << "\t" << (i.hwaddr().empty() ? "-" : i.hwaddr()) << "\tmtu " << i.mtu()
                          << ((i.raw_flags() & 1) ? "\tUP" : "\tDOWN");
                for (const auto& a : i.ipaddresses())
                    std::cout << "\t" << a.address() << "/" << a.mask();
                std::cout << "\n";
            }
            return 0;
        };
    });
    app.add_subcommand("list-routes", "ListRoutes (the main table)")->callback([&] {
        action = [](AgentClient& c) {
            print_routes(c.list_routes());
            return 0;
        };
    });

    auto* upif = app.add_subcommand("update-interface", "UpdateInterface: configure the NIC with this MAC");
    std::string if_mac, if_name;
    uint64_t if_mtu = 0;
    std::vector<std::string> if_addrs;
    upif->add_option("mac", if_mac, "its hardware address")->required();
    upif->add_option("--name", if_name, "its new name")->required();
    upif->add_option("--mtu", if_mtu, "0 = unchanged")->capture_default_str();
    upif->add_option("--addr", if_addrs, "ADDRESS/PREFIX (repeatable; replaces its addresses)");
    upif->callback([&] {
        action = [&](AgentClient& c) {
            types::Interface i;
            i.set_hwaddr(if_mac);
            i.set_name(if_name);
            i.set_mtu(if_mtu);
            for (const auto& a : if_addrs) {
                auto [ip, len] = split_kv(a, '/');
                auto* p = i.add_ipaddresses();
                p->set_address(ip);
                p->set_mask(len);
                p->set_family(ip.find(':') != std::string::npos ? types::IPFamily::v6 : types::IPFamily::v4);
            }
            auto r = c.update_interface(i);
            std::cout << r.name() << " " << r.hwaddr() << " mtu " << r.mtu() << "\n";
            return 0;
        };
    });

    auto* uproutes = app.add_subcommand("update-routes", "UpdateRoutes: replace the routes of the devices named");
    std::vector<std::string> routes;
    uproutes->add_option("route", routes, "'DEST [via GW] dev DEV [src SRC] [scope link] [mtu N]' (repeatable)")
        ->required();
    uproutes->callback([&] {
        action = [&](AgentClient& c) {
            grpc::Routes req;
            for (const auto& r : routes)
                *req.add_routes() = parse_route(r);
            print_routes(c.update_routes(req));
            return 0;
        };
    });

    auto* neigh = app.add_subcommand("add-neighbor", "AddARPNeighbors: one permanent neighbour");
    std::string n_ip, n_mac, n_dev;
    neigh->add_option("ip", n_ip)->required();
    neigh->add_option("--lladdr", n_mac, "its MAC address")->required();
    neigh->add_option("--dev", n_dev)->required();
    neigh->callback([&] {
        action = [&](AgentClient& c) {
            grpc::ARPNeighbors req;
            auto* n = req.add_arpneighbors();
            n->mutable_toipaddress()->set_address(n_ip);
            n->set_lladdr(n_mac);
            n->set_device(n_dev);
            c.add_arp_neighbors(req);
            return 0;
        };
    });

    CLI11_PARSE(app, argc, argv);
    try {
        AgentClient client(addr, std::chrono::seconds(timeout_s));
        return action(client);
    } catch (const ttrpc::RpcError& e) {
        std::cerr << "kadapter-agent-ctl: " << ttrpc::to_string(e.code()) << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "kadapter-agent-ctl: " << e.what() << "\n";
        return 1;
    }
}
