#include "agent.hpp"

#include <sys/reboot.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent.pb.h"
#include "health.pb.h"
#include "hotplug.hpp"
#include "kadapter.pb.h"
#include "kadapter/annotations.hpp"
#include "kadapter/error.hpp"
#include "ttrpc/status.hpp"

namespace guest_init {
namespace {

using ttrpc::Code;
using ttrpc::RpcError;

constexpr const char* kAgentService = "grpc.AgentService";
constexpr const char* kHealthService = "grpc.Health";
constexpr const char* kPolicyService = "kadapter.PolicyService";
constexpr const char* kVersion = "kadapter-init " KADAPTER_VERSION;

// Every failure becomes a gRPC status a Kata shim understands.
template <typename Fn> auto map_errors(const char* what, Fn&& fn) -> decltype(fn())
{
    try {
        return fn();
    } catch (const RpcError&) {
        throw;
    } catch (const kadapter::Error& e) {
        Code code = Code::Internal;
        switch (e.code()) {
        case kadapter::Errc::InvalidArgument:
        case kadapter::Errc::InvalidPolicy:
            code = Code::InvalidArgument;
            break;
        case kadapter::Errc::Unsupported:
            code = Code::InvalidArgument; // a policy this guest cannot enforce
            break;
        case kadapter::Errc::NotFound:
            code = Code::NotFound;
            break;
        case kadapter::Errc::AlreadyExists:
            code = Code::AlreadyExists;
            break;
        case kadapter::Errc::ResourceExhausted:
            code = Code::ResourceExhausted;
            break;
        default:
            break;
        }
        throw RpcError(code, std::string(what) + ": " + e.what());
    } catch (const std::invalid_argument& e) {
        throw RpcError(Code::InvalidArgument, std::string(what) + ": " + e.what());
    } catch (const std::logic_error& e) {
        throw RpcError(Code::FailedPrecondition, std::string(what) + ": " + e.what());
    } catch (const std::system_error& e) {
        throw RpcError(Code::Internal, std::string(what) + ": " + e.what());
    } catch (const std::exception& e) {
        std::string msg = e.what();
        bool denied = msg.find("Permission denied") != std::string::npos ||
                      msg.find("Operation not permitted") != std::string::npos;
        throw RpcError(denied ? Code::PermissionDenied : Code::Internal, std::string(what) + ": " + msg);
    }
}

template <typename Req, typename Resp, typename Fn>
void add(ttrpc::Server& server, const char* service, const char* method, Fn fn)
{
    server.add(service, method, [fn, method](const std::string& payload, const ttrpc::CallContext& ctx) {
        Req req;
        if (!req.ParseFromString(payload))
            throw RpcError(Code::InvalidArgument, std::string(method) + ": malformed " + req.GetTypeName());
        Resp resp = map_errors(method, [&] { return fn(req, ctx); });
        return resp.SerializeAsString();
    });
}

std::map<std::string, std::string> annotations_of(const grpc::Spec& spec)
{
    return {spec.annotations().begin(), spec.annotations().end()};
}

std::string annotation(const std::map<std::string, std::string>& a, std::initializer_list<const char*> keys)
{
    for (const char* k : keys)
        if (auto it = a.find(k); it != a.end())
            return it->second;
    return "";
}

bool is_sandbox_container(const std::string& id, const std::string& sandbox_id,
                          const std::map<std::string, std::string>& a)
{
    std::string type = annotation(a, {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType",
                                      "io.katacontainers.pkg.oci.container_type"});
    return type == "sandbox" || type == "pod_sandbox" || (!sandbox_id.empty() && id == sandbox_id);
}

ContainerMeta meta_of(const std::string& id, const std::map<std::string, std::string>& a)
{
    ContainerMeta m;
    m.container_id = id;
    m.container_name = annotation(a, {"io.kubernetes.cri.container-name", "io.kubernetes.cri-o.ContainerName"});
    m.pod_name = annotation(a, {"io.kubernetes.cri.sandbox-name", "io.kubernetes.cri-o.KubeName"});
    m.namespace_ = annotation(a, {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri-o.Namespace"});
    m.image = annotation(a, {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName"});
    m.labels = annotation(a, {kadapter::kLabelsAnnotation});
    return m;
}

std::string describe(const kadapter::RuleSet& rs)
{
    std::string out;
    auto origin = [&](uint32_t i) {
        return i < rs.origins.size() ? " (" + rs.origins[i].policy + " " + rs.origins[i].field + ")" : std::string{};
    };
    auto path_rules = [&](const char* cat, const std::vector<kadapter::PathRule>& rules) {
        static const char* kinds[] = {"path", "dir", "dir recursive", "pattern", "execname"};
        for (const auto& r : rules)
            out += std::string(cat) + " " + kadapter::to_string(r.action) + " " + kinds[static_cast<int>(r.match)] +
                   " " + r.path + (r.read_only ? " readOnly" : "") + (r.owner_only ? " ownerOnly" : "") +
                   (r.source.empty() ? "" : " fromSource " + r.source) + origin(r.origin) + "\n";
    };
    path_rules("process", rs.process);
    path_rules("file", rs.file);
    for (const auto& r : rs.network)
        out += std::string("network ") + kadapter::to_string(r.action) + " protocol#" +
               std::to_string(static_cast<int>(r.protocol)) + origin(r.origin) + "\n";
    for (const auto& r : rs.capabilities)
        out += std::string("capabilities ") + kadapter::to_string(r.action) + " cap#" + std::to_string(r.capability) +
               origin(r.origin) + "\n";
    out += std::string("posture file=") + kadapter::to_string(rs.file_posture) +
           " network=" + kadapter::to_string(rs.network_posture) +
           " capabilities=" + kadapter::to_string(rs.capabilities_posture) + "\n";
    return out;
}

} // namespace

Agent::Agent(Config cfg, EnforcerState enf, AlertLog& log)
    : config(std::move(cfg)), enforcer(std::move(enf)),
      engine(enforcer.enforcer ? enforcer_engine(*enforcer.enforcer) : nullptr), alerts(log)
{
}

std::vector<std::pair<std::string, std::shared_ptr<Agent::Entry>>> Agent::live_entries()
{
    std::lock_guard lock(mu);
    std::vector<std::pair<std::string, std::shared_ptr<Entry>>> out;
    for (const auto& [id, entry] : containers)
        if (entry && entry->container)
            out.emplace_back(id, entry);
    return out;
}

std::shared_ptr<Agent::Entry> Agent::find(const std::string& id)
{
    std::lock_guard lock(mu);
    auto it = containers.find(id);
    if (it == containers.end() || !it->second || !it->second->container)
        throw RpcError(Code::NotFound, "container " + id + " not found");
    return it->second;
}

std::shared_ptr<Container> Agent::find_container(const std::string& id)
{
    return find(id)->container;
}

std::string Agent::hostname()
{
    char buf[256] = {};
    ::gethostname(buf, sizeof(buf) - 1);
    return buf;
}

void Agent::pump_events()
{
    if (!enforcer.enforcer)
        return;
    enforcer.enforcer->set_event_handler([this](const kadapter::Event& e) {
        ContainerMeta meta;
        for (const auto& [id, entry] : live_entries()) // policies' locks after mu is let go
            if (entry->policy->bound_as(e.container_id)) {
                meta = entry->meta;
                break;
            }
        alerts.publish(kubearmor_alert(e, meta, hostname()), meta.container_id);
    });
    for (;;) {
        try {
            enforcer.enforcer->poll_events(1000);
        } catch (const std::exception& e) {
            spdlog::error("reading enforcer events: {}", e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

void Agent::register_services(ttrpc::Server& server)
{
    // ---- grpc.Health ----
    add<grpc::CheckRequest, grpc::HealthCheckResponse>(server, kHealthService, "Check",
                                                       [](const grpc::CheckRequest&, const ttrpc::CallContext&) {
                                                           grpc::HealthCheckResponse r;
                                                           r.set_status(grpc::HealthCheckResponse::SERVING);
                                                           return r;
                                                       });
    add<grpc::CheckRequest, grpc::VersionCheckResponse>(server, kHealthService, "Version",
                                                        [](const grpc::CheckRequest&, const ttrpc::CallContext&) {
                                                            grpc::VersionCheckResponse r;
                                                            r.set_grpc_version("0.0.1");
                                                            r.set_agent_version(kVersion);
                                                            return r;
                                                        });

    // ---- sandbox ----
    add<grpc::GuestDetailsRequest, grpc::GuestDetailsResponse>(
        server, kAgentService, "GetGuestDetails",
        [this](const grpc::GuestDetailsRequest& req, const ttrpc::CallContext&) {
            grpc::GuestDetailsResponse r;
            if (req.mem_block_size()) {
                std::ifstream in("/sys/devices/system/memory/block_size_bytes");
                std::string hex;
                if (in >> hex)
                    r.set_mem_block_size_bytes(std::stoull(hex, nullptr, 16));
            }
            auto* d = r.mutable_agent_details();
            d->set_version(kVersion);
            d->set_init_daemon(::getpid() == 1);
            d->set_supports_seccomp(false);
            d->add_extra_features("kadapter");
            if (enforcer.enforcer)
                d->add_extra_features("bpf-lsm");
            return r;
        });

    add<grpc::CreateSandboxRequest, google::protobuf::Empty>(
        server, kAgentService, "CreateSandbox",
        [this](const grpc::CreateSandboxRequest& req, const ttrpc::CallContext&) {
            std::lock_guard lock(mu);
            if (!sandbox.id.empty())
                throw RpcError(Code::AlreadyExists, "a sandbox (" + sandbox.id + ") already exists");
            if (!req.hostname().empty()) {
                std::string h = req.hostname().substr(0, 64);
                if (::sethostname(h.data(), h.size()) != 0)
                    throw std::system_error(errno, std::generic_category(), "sethostname");
            }
            sandbox.storages = storages.acquire(req.storages());
            sandbox.id = req.sandbox_id().empty() ? "sandbox" : req.sandbox_id();
            sandbox.hostname = req.hostname();
            sandbox.pidns = req.sandbox_pidns();
            return google::protobuf::Empty();
        });

    add<grpc::DestroySandboxRequest, google::protobuf::Empty>(
        server, kAgentService, "DestroySandbox", [this](const grpc::DestroySandboxRequest&, const ttrpc::CallContext&) {
            std::map<std::string, std::shared_ptr<Entry>> all;
            {
                std::lock_guard lock(mu);
                all.swap(containers);
            }
            for (auto& [id, e] : all)
                if (e && e->container) {
                    try {
                        e->container->destroy(std::chrono::seconds(10));
                    } catch (const std::exception& ex) {
                        spdlog::error("destroying {}: {}", id, ex.what());
                    }
                    storages.release(e->storages);
                }
            {
                std::lock_guard lock(mu);
                storages.release(sandbox.storages);
                sandbox.storages.clear();
            }
            if (::getpid() == 1) {
                // Answer first, then power off.
                std::thread([] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(200));
                    ::sync();
                    ::reboot(RB_POWER_OFF);
                }).detach();
            }
            return google::protobuf::Empty();
        });

    // ---- containers ----
    add<grpc::CreateContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "CreateContainer",
        [this](const grpc::CreateContainerRequest& req, const ttrpc::CallContext&) {
            const std::string& id = req.container_id();
            if (!valid_id(id))
                throw RpcError(Code::InvalidArgument, "invalid container id '" + id + "'");
            auto annotations = annotations_of(req.oci());
            auto entry = std::make_shared<Entry>();
            entry->annotations = annotations;
            entry->meta = meta_of(id, annotations);

            std::string sandbox_pidns;
            {
                std::lock_guard lock(mu);
                if (containers.count(id))
                    throw RpcError(Code::AlreadyExists, "container " + id + " already exists");
                containers[id] = nullptr; // reserved while we create it
                entry->is_sandbox = is_sandbox_container(id, sandbox.id, annotations);
                if (entry->is_sandbox)
                    for (const auto& [k, v] : annotations)
                        if (k.starts_with("io.katacontainers.kadapter."))
                            sandbox.policy_annotations[k] = v;
                // CRI-O passes pod annotations only to the sandbox.
                if (!annotations.count(kadapter::kPolicyAnnotation))
                    for (const auto& [k, v] : sandbox.policy_annotations)
                        annotations.emplace(k, v);
                if (req.sandbox_pidns() && !entry->is_sandbox && containers.count(sandbox.id) && containers[sandbox.id])
                    sandbox_pidns =
                        "/proc/" + std::to_string(containers[sandbox.id]->container->init_pid()) + "/ns/pid";
            }
            auto release = [&] {
                std::lock_guard lock(mu);
                if (containers.count(id) && !containers[id])
                    containers.erase(id);
            };

            try { // errors become statuses in add(); here only the clean-up
                {
                    // Resolve the policy first: an invalid one runs nothing.
                    kadapter::RuleSet rules;
                    std::string source;
                    std::optional<kadapter::PodPolicy> pod = kadapter::pod_policy_from_annotations(annotations);
                    if (pod && !entry->is_sandbox) {
                        auto who =
                            kadapter::pod_identity(entry->meta.container_name, entry->meta.namespace_, pod->labels);
                        rules = kadapter::policy::compile(pod->policies, who, pod->postures);
                        source = pod->source;
                    }
                    if (!rules.empty() && !enforcer.enforcer)
                        throw RpcError(Code::FailedPrecondition,
                                       "container " + id + " has a kadapter policy but this guest cannot enforce it: " +
                                           enforcer.unavailable_reason);

                    entry->policy =
                        std::make_shared<ContainerPolicy>(engine.get(), id, std::move(rules), std::move(source));

                    // Its storages (the shared rootfs, volumes) before it exists.
                    entry->storages = storages.acquire(req.storages());

                    // Every container is bound, with an empty rule set when it
                    // has no policy: self-protection covers all of them. Once
                    // its mounts exist, rule paths (symlink targets, file
                    // identities) are resolved as the container sees them: a
                    // file mounted twice is blocked under both. The hooks
                    // share the policy, which holds neither the container
                    // nor its entry: no cycle.
                    PolicyHooks hooks;
                    if (engine) {
                        auto policy = entry->policy;
                        hooks.bind = [policy](uint64_t cgroup_id, const std::string& rootfs) {
                            policy->bind(cgroup_id, rootfs);
                        };
                        hooks.set_up = [policy](pid_t pid) { policy->resolve_paths_in(pid); };
                        hooks.exec_spawned = [policy](pid_t pid) { policy->mark_external(pid); };
                        hooks.unbind = [policy] { policy->unbind(); };
                    }
                    ContainerOptions opts;
                    opts.id = id;
                    opts.spec = req.oci();
                    opts.sandbox_pidns = sandbox_pidns;
                    opts.default_hostname = hostname();
                    entry->container = Container::create(std::move(opts), std::move(hooks));
                }
            } catch (...) {
                storages.release(entry->storages);
                release();
                throw;
            }
            {
                std::lock_guard lock(mu);
                containers[id] = entry;
            }
            size_t rule_count = entry->policy->summary().rules;
            spdlog::info("created container {} (policy: {})", id,
                         rule_count ? std::to_string(rule_count) + " rules" : "none");
            return google::protobuf::Empty();
        });

    add<grpc::StartContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "StartContainer",
        [this](const grpc::StartContainerRequest& req, const ttrpc::CallContext&) {
            find_container(req.container_id())->start();
            return google::protobuf::Empty();
        });

    add<grpc::RemoveContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "RemoveContainer",
        [this](const grpc::RemoveContainerRequest& req, const ttrpc::CallContext&) {
            auto entry = find(req.container_id());
            entry->container->destroy(std::chrono::seconds(req.timeout()));
            storages.release(entry->storages);
            std::lock_guard lock(mu);
            containers.erase(req.container_id());
            return google::protobuf::Empty();
        });

    add<grpc::ExecProcessRequest, google::protobuf::Empty>(
        server, kAgentService, "ExecProcess", [this](const grpc::ExecProcessRequest& req, const ttrpc::CallContext&) {
            find_container(req.container_id())->exec(req.exec_id(), req.process());
            return google::protobuf::Empty();
        });

    add<grpc::SignalProcessRequest, google::protobuf::Empty>(
        server, kAgentService, "SignalProcess",
        [this](const grpc::SignalProcessRequest& req, const ttrpc::CallContext&) {
            if (req.signal() == 0 || req.signal() >= 65)
                throw RpcError(Code::InvalidArgument, "invalid signal " + std::to_string(req.signal()));
            find_container(req.container_id())->signal(req.exec_id(), static_cast<int>(req.signal()));
            return google::protobuf::Empty();
        });

    auto process_of = [this](const std::string& cid, const std::string& eid) {
        auto p = find_container(cid)->process(eid);
        if (!p)
            throw RpcError(Code::NotFound, "process " + eid + " not found in container " + cid);
        return p;
    };

    add<grpc::WaitProcessRequest, grpc::WaitProcessResponse>(
        server, kAgentService, "WaitProcess",
        [process_of](const grpc::WaitProcessRequest& req, const ttrpc::CallContext& ctx) {
            auto p = process_of(req.container_id(), req.exec_id());
            int status = p->wait([&] { return ctx.cancelled(); });
            if (status < 0)
                throw RpcError(Code::Cancelled, "the client went away");
            grpc::WaitProcessResponse r;
            r.set_status(status);
            return r;
        });

    for (int stream : {1, 2}) {
        add<grpc::ReadStreamRequest, grpc::ReadStreamResponse>(
            server, kAgentService, stream == 1 ? "ReadStdout" : "ReadStderr",
            [process_of, stream](const grpc::ReadStreamRequest& req, const ttrpc::CallContext& ctx) {
                auto p = process_of(req.container_id(), req.exec_id());
                grpc::ReadStreamResponse r;
                r.set_data(p->read(stream, req.len(), [&] { return ctx.cancelled(); }));
                return r;
            });
    }

    add<grpc::WriteStreamRequest, grpc::WriteStreamResponse>(
        server, kAgentService, "WriteStdin",
        [process_of](const grpc::WriteStreamRequest& req, const ttrpc::CallContext&) {
            grpc::WriteStreamResponse r;
            r.set_len(static_cast<uint32_t>(process_of(req.container_id(), req.exec_id())->write_stdin(req.data())));
            return r;
        });

    add<grpc::CloseStdinRequest, google::protobuf::Empty>(
        server, kAgentService, "CloseStdin",
        [process_of](const grpc::CloseStdinRequest& req, const ttrpc::CallContext&) {
            process_of(req.container_id(), req.exec_id())->close_stdin();
            return google::protobuf::Empty();
        });

    add<grpc::TtyWinResizeRequest, google::protobuf::Empty>(
        server, kAgentService, "TtyWinResize",
        [process_of](const grpc::TtyWinResizeRequest& req, const ttrpc::CallContext&) {
            process_of(req.container_id(), req.exec_id())->resize(req.row(), req.column());
            return google::protobuf::Empty();
        });

    // After the runtime hot-plugs vCPUs or memory: bring them online. With
    // `wait`, answer once nb_cpus CPUs are up (they may still be arriving);
    // without, in the background.
    add<grpc::OnlineCPUMemRequest, google::protobuf::Empty>(
        server, kAgentService, "OnlineCPUMem", [](const grpc::OnlineCPUMemRequest& req, const ttrpc::CallContext&) {
            auto work = [req] {
                unsigned cpus = online_cpus(req.nb_cpus(), std::chrono::seconds(5));
                unsigned blocks = req.cpu_only() ? 0 : online_memory();
                spdlog::info("OnlineCPUMem: {} of {} CPUs and {} memory blocks brought online", cpus, req.nb_cpus(),
                             blocks);
                return cpus;
            };
            if (!req.wait()) {
                std::thread(work).detach();
                return google::protobuf::Empty();
            }
            if (unsigned cpus = work(); req.nb_cpus() && cpus < req.nb_cpus())
                throw RpcError(Code::DeadlineExceeded, "OnlineCPUMem: only " + std::to_string(cpus) + " of " +
                                                           std::to_string(req.nb_cpus()) + " CPUs came online");
            return google::protobuf::Empty();
        });

    add<grpc::UpdateContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "UpdateContainer",
        [this](const grpc::UpdateContainerRequest& req, const ttrpc::CallContext&) {
            find_container(req.container_id())->update(req.resources());
            return google::protobuf::Empty();
        });

    add<grpc::StatsContainerRequest, grpc::StatsContainerResponse>(
        server, kAgentService, "StatsContainer",
        [this](const grpc::StatsContainerRequest& req, const ttrpc::CallContext&) {
            grpc::StatsContainerResponse r;
            *r.mutable_cgroup_stats() = find_container(req.container_id())->stats();
            return r;
        });

    // Long poll, as the shim expects: returns when the OOM killer has killed
    // a process of some container since the last report, or fails with
    // CANCELLED when the client leaves. memory.events is read every 200 ms.
    add<grpc::GetOOMEventRequest, grpc::OOMEvent>(
        server, kAgentService, "GetOOMEvent", [this](const grpc::GetOOMEventRequest&, const ttrpc::CallContext& ctx) {
            while (!ctx.cancelled()) {
                // The cgroup files are read outside the lock every RPC takes.
                std::vector<std::pair<std::string, std::shared_ptr<Entry>>> live;
                {
                    std::lock_guard lock(mu);
                    for (const auto& [id, entry] : containers)
                        if (entry && entry->container)
                            live.emplace_back(id, entry);
                }
                for (const auto& [id, entry] : live) {
                    uint64_t kills = entry->container->oom_kills();
                    std::lock_guard lock(mu);
                    if (kills > entry->oom_kills_reported) { // once, however many callers wait
                        entry->oom_kills_reported = kills;
                        grpc::OOMEvent e;
                        e.set_container_id(id);
                        return e;
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            throw RpcError(Code::Cancelled, "the client went away");
        });

    // ---- network (network.hpp) ----
    add<grpc::UpdateInterfaceRequest, types::Interface>(
        server, kAgentService, "UpdateInterface",
        [this](const grpc::UpdateInterfaceRequest& req, const ttrpc::CallContext&) {
            if (!req.has_interface())
                throw RpcError(Code::InvalidArgument, "UpdateInterface: the request has no interface");
            return network.update_interface(req.interface());
        });

    add<grpc::UpdateRoutesRequest, grpc::Routes>(
        server, kAgentService, "UpdateRoutes", [this](const grpc::UpdateRoutesRequest& req, const ttrpc::CallContext&) {
            if (!req.has_routes())
                throw RpcError(Code::InvalidArgument, "UpdateRoutes: the request has no routes");
            return network.update_routes(req.routes());
        });

    add<grpc::ListInterfacesRequest, grpc::Interfaces>(
        server, kAgentService, "ListInterfaces",
        [this](const grpc::ListInterfacesRequest&, const ttrpc::CallContext&) { return network.list_interfaces(); });

    add<grpc::ListRoutesRequest, grpc::Routes>(
        server, kAgentService, "ListRoutes",
        [this](const grpc::ListRoutesRequest&, const ttrpc::CallContext&) { return network.list_routes(); });

    add<grpc::AddARPNeighborsRequest, google::protobuf::Empty>(
        server, kAgentService, "AddARPNeighbors",
        [this](const grpc::AddARPNeighborsRequest& req, const ttrpc::CallContext&) {
            if (!req.has_neighbors())
                throw RpcError(Code::InvalidArgument, "AddARPNeighbors: the request has no neighbors");
            network.add_arp_neighbors(req.neighbors());
            return google::protobuf::Empty();
        });

    // ---- kadapter.PolicyService ----
    add<kadapter::UpdatePolicyRequest, kadapter::UpdatePolicyResponse>(
        server, kPolicyService, "UpdatePolicy",
        [this](const kadapter::UpdatePolicyRequest& req, const ttrpc::CallContext&) {
            auto entry = find(req.container_id());
            if (!enforcer.enforcer)
                throw RpcError(Code::FailedPrecondition,
                               "this guest cannot enforce policies: " + enforcer.unavailable_reason);
            // Not an annotation: no 256 KiB limit here, only the frame's
            // 4 MiB, so a 10,000-rule policy fits as YAML.
            const std::string& text = req.policy();
            auto policies = kadapter::require_policies(kadapter::parse_policy_text(text, "UpdatePolicy.policy"),
                                                       "UpdatePolicy.policy");
            std::string postures;
            for (const auto& [k, v] : req.postures())
                postures += (postures.empty() ? "" : ",") + k + "=" + v;
            // proto3 cannot tell an absent map from an empty one: no labels
            // means not given here.
            std::optional<std::string> labels;
            if (!req.labels().empty())
                labels = kadapter::format_labels({req.labels().begin(), req.labels().end()});
            auto who = kadapter::pod_identity(entry->meta.container_name, entry->meta.namespace_, labels);
            kadapter::RuleSet rules = kadapter::policy::compile(policies, who, kadapter::parse_postures(postures));

            kadapter::UpdatePolicyResponse r;
            r.set_rules(static_cast<uint32_t>(rules.size()));
            r.set_ruleset_id(entry->policy->update(std::move(rules), req.policy(), entry->container->init_pid()));
            return r;
        });

    add<kadapter::GetPolicyRequest, kadapter::GetPolicyResponse>(
        server, kPolicyService, "GetPolicy", [this](const kadapter::GetPolicyRequest& req, const ttrpc::CallContext&) {
            ContainerPolicy::Snapshot policy = find(req.container_id())->policy->snapshot();
            kadapter::GetPolicyResponse r;
            r.set_container_id(req.container_id());
            r.set_policy(policy.source);
            r.set_ruleset_id(policy.ruleset_id);
            r.set_rules_text(describe(policy.rules));
            return r;
        });

    add<kadapter::ListContainersRequest, kadapter::ListContainersResponse>(
        server, kPolicyService, "ListContainers",
        [this](const kadapter::ListContainersRequest&, const ttrpc::CallContext&) {
            kadapter::ListContainersResponse r;
            std::string sandbox_id;
            {
                std::lock_guard lock(mu);
                sandbox_id = sandbox.id;
            }
            for (const auto& [id, e] : live_entries()) {
                ContainerPolicy::Summary policy = e->policy->summary();
                auto* c = r.add_containers();
                c->set_container_id(id);
                c->set_sandbox_id(sandbox_id);
                c->set_name(e->meta.container_name);
                c->set_bound(policy.bound);
                c->set_cgroup_id(e->container->cgroup_id());
                c->set_ruleset_id(policy.ruleset_id);
                c->set_rules(static_cast<uint32_t>(policy.rules));
                auto s = e->container->state();
                c->set_status(s == Container::State::Created   ? "created"
                              : s == Container::State::Running ? "running"
                                                               : "stopped");
            }
            return r;
        });

    add<kadapter::GetStatsRequest, kadapter::GetStatsResponse>(
        server, kPolicyService, "GetStats", [this](const kadapter::GetStatsRequest&, const ttrpc::CallContext&) {
            kadapter::GetStatsResponse r;
            r.set_enforcing(enforcer.enforcer != nullptr);
            r.set_unavailable_reason(enforcer.unavailable_reason);
            std::error_code ec;
            r.set_agent_open_fds(std::distance(std::filesystem::directory_iterator("/proc/self/fd", ec),
                                               std::filesystem::directory_iterator()));
            if (enforcer.enforcer) {
                auto s = enforcer.enforcer->stats();
                r.set_kernel_bindings(s.kernel_bindings);
                r.set_kernel_alert_budgets(s.kernel_alert_budgets);
                r.set_kernel_automata(s.kernel_automata);
                r.set_events_dropped(s.events_dropped);
                r.set_events_throttled(s.events_throttled);
                r.set_unresolvable(s.unresolvable);
                r.set_inconsistent(s.inconsistent);
                for (const auto& h : s.hooks)
                    r.add_hooks(h);
            }
            return r;
        });

    add<kadapter::ReadEventsRequest, kadapter::ReadEventsResponse>(
        server, kPolicyService, "ReadEvents",
        [this](const kadapter::ReadEventsRequest& req, const ttrpc::CallContext&) {
            auto batch = alerts.read("rpc", req.container_id(), req.max(), std::chrono::milliseconds(req.timeout_ms()));
            kadapter::ReadEventsResponse r;
            for (auto& l : batch.lines)
                r.add_events(l);
            r.set_dropped(batch.dropped);
            return r;
        });
}

} // namespace guest_init
