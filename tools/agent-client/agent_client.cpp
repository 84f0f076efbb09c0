#include "agent_client.hpp"

#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "ttrpc/transport.hpp"

namespace kadapter::agent {
namespace {

constexpr const char* kAgent = "grpc.AgentService";
constexpr const char* kHealth = "grpc.Health";
constexpr const char* kPolicy = "kadapter.PolicyService";

// The capabilities Docker and containerd give a container by default.
const std::vector<std::string> kDefaultCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

} // namespace

AgentClient::AgentClient(const std::string& address, std::chrono::milliseconds timeout)
    : client_(std::make_unique<ttrpc::Client>(ttrpc::connect_to(ttrpc::parse_address(address)))), timeout_(timeout)
{
}

template <typename Resp, typename Req> Resp AgentClient::unary(const char* service, const char* method, const Req& req)
{
    std::string out = client_->call(service, method, req.SerializeAsString(), timeout_);
    Resp resp;
    if (!resp.ParseFromString(out))
        throw ttrpc::RpcError(ttrpc::Code::DataLoss, std::string("malformed answer to ") + method);
    return resp;
}

std::string AgentClient::call(const std::string& service, const std::string& method, const std::string& payload)
{
    return client_->call(service, method, payload, timeout_);
}

grpc::HealthCheckResponse AgentClient::check()
{
    return unary<grpc::HealthCheckResponse>(kHealth, "Check", grpc::CheckRequest());
}

grpc::VersionCheckResponse AgentClient::version()
{
    return unary<grpc::VersionCheckResponse>(kHealth, "Version", grpc::CheckRequest());
}

grpc::GuestDetailsResponse AgentClient::guest_details()
{
    grpc::GuestDetailsRequest req;
    req.set_mem_block_size(true);
    req.set_mem_hotplug_probe(true);
    return unary<grpc::GuestDetailsResponse>(kAgent, "GetGuestDetails", req);
}

void AgentClient::create_sandbox(const grpc::CreateSandboxRequest& req)
{
    unary<google::protobuf::Empty>(kAgent, "CreateSandbox", req);
}

void AgentClient::destroy_sandbox()
{
    unary<google::protobuf::Empty>(kAgent, "DestroySandbox", grpc::DestroySandboxRequest());
}

void AgentClient::create_container(const grpc::CreateContainerRequest& req)
{
    unary<google::protobuf::Empty>(kAgent, "CreateContainer", req);
}

void AgentClient::start_container(const std::string& id)
{
    grpc::StartContainerRequest req;
    req.set_container_id(id);
    unary<google::protobuf::Empty>(kAgent, "StartContainer", req);
}

void AgentClient::remove_container(const std::string& id, uint32_t timeout_s)
{
    grpc::RemoveContainerRequest req;
    req.set_container_id(id);
    req.set_timeout(timeout_s);
    unary<google::protobuf::Empty>(kAgent, "RemoveContainer", req);
}

void AgentClient::update_container(const std::string& id, const grpc::LinuxResources& resources)
{
    grpc::UpdateContainerRequest req;
    req.set_container_id(id);
    *req.mutable_resources() = resources;
    unary<google::protobuf::Empty>(kAgent, "UpdateContainer", req);
}

grpc::StatsContainerResponse AgentClient::stats_container(const std::string& id)
{
    grpc::StatsContainerRequest req;
    req.set_container_id(id);
    return unary<grpc::StatsContainerResponse>(kAgent, "StatsContainer", req);
}

void AgentClient::online_cpu_mem(uint32_t nb_cpus, bool wait, bool cpu_only)
{
    grpc::OnlineCPUMemRequest req;
    req.set_nb_cpus(nb_cpus);
    req.set_wait(wait);
    req.set_cpu_only(cpu_only);
    unary<google::protobuf::Empty>(kAgent, "OnlineCPUMem", req);
}

types::Interface AgentClient::update_interface(const types::Interface& iface)
{
    grpc::UpdateInterfaceRequest req;
    *req.mutable_interface() = iface;
    return unary<types::Interface>(kAgent, "UpdateInterface", req);
}

grpc::Routes AgentClient::update_routes(const grpc::Routes& routes)
{
    grpc::UpdateRoutesRequest req;
    *req.mutable_routes() = routes;
    return unary<grpc::Routes>(kAgent, "UpdateRoutes", req);
}

grpc::Interfaces AgentClient::list_interfaces()
{
    return unary<grpc::Interfaces>(kAgent, "ListInterfaces", grpc::ListInterfacesRequest());
}

grpc::Routes AgentClient::list_routes()
{
    return unary<grpc::Routes>(kAgent, "ListRoutes", grpc::ListRoutesRequest());
}

void AgentClient::add_arp_neighbors(const grpc::ARPNeighbors& neighbors)
{
    grpc::AddARPNeighborsRequest req;
    *req.mutable_neighbors() = neighbors;
    unary<google::protobuf::Empty>(kAgent, "AddARPNeighbors", req);
}

grpc::OOMEvent AgentClient::get_oom_event()
{
    return unary<grpc::OOMEvent>(kAgent, "GetOOMEvent", grpc::GetOOMEventRequest());
}

void AgentClient::exec_process(const std::string& id, const std::string& exec_id, const grpc::Process& process)
{
    grpc::ExecProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    *req.mutable_process() = process;
    unary<google::protobuf::Empty>(kAgent, "ExecProcess", req);
}

void AgentClient::signal_process(const std::string& id, const std::string& exec_id, uint32_t signal)
{
    grpc::SignalProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_signal(signal);
    unary<google::protobuf::Empty>(kAgent, "SignalProcess", req);
}

int AgentClient::wait_process(const std::string& id, const std::string& exec_id)
{
    grpc::WaitProcessRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    return unary<grpc::WaitProcessResponse>(kAgent, "WaitProcess", req).status();
}

std::string AgentClient::read_stdout(const std::string& id, const std::string& exec_id, uint32_t len)
{
    grpc::ReadStreamRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_len(len);
    return unary<grpc::ReadStreamResponse>(kAgent, "ReadStdout", req).data();
}

std::string AgentClient::read_stderr(const std::string& id, const std::string& exec_id, uint32_t len)
{
    grpc::ReadStreamRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_len(len);
    return unary<grpc::ReadStreamResponse>(kAgent, "ReadStderr", req).data();
}

uint32_t AgentClient::write_stdin(const std::string& id, const std::string& exec_id, const std::string& data)
{
    grpc::WriteStreamRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_data(data);
    return unary<grpc::WriteStreamResponse>(kAgent, "WriteStdin", req).len();
}

void AgentClient::close_stdin(const std::string& id, const std::string& exec_id)
{
    grpc::CloseStdinRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    unary<google::protobuf::Empty>(kAgent, "CloseStdin", req);
}

void AgentClient::tty_resize(const std::string& id, const std::string& exec_id, uint32_t rows, uint32_t cols)
{
    grpc::TtyWinResizeRequest req;
    req.set_container_id(id);
    req.set_exec_id(exec_id);
    req.set_row(rows);
    req.set_column(cols);
    unary<google::protobuf::Empty>(kAgent, "TtyWinResize", req);
}

std::string AgentClient::drain(const std::string& id, const std::string& exec_id, int stream)
{
    std::string out;
    for (;;) {
        std::string chunk = stream == 1 ? read_stdout(id, exec_id) : read_stderr(id, exec_id);
        if (chunk.empty())
            return out;
        out += chunk;
    }
}

RunResult AgentClient::run(const std::string& id, const std::vector<std::string>& args, const std::string& exec_id)
{
    grpc::Process p;
    for (const auto& a : args)
        p.add_args(a);
    p.add_env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    p.set_cwd("/");
    std::string eid =
        exec_id.empty() ? "exec-" + std::to_string(::getpid()) + "-" + std::to_string(++exec_counter_) : exec_id;
    exec_process(id, eid, p);

    RunResult r;
    // Both streams concurrently: a full stderr pipe must not stall stdout.
    std::string err;
    std::thread errors([&] { err = drain(id, eid, 2); });
    try {
        r.out = drain(id, eid, 1);
    } catch (...) {
        errors.join();
        throw;
    }
    errors.join();
    r.err = err;
    r.status = wait_process(id, eid);
    return r;
}

kadapter::UpdatePolicyResponse AgentClient::update_policy(const kadapter::UpdatePolicyRequest& req)
{
    return unary<kadapter::UpdatePolicyResponse>(kPolicy, "UpdatePolicy", req);
}

kadapter::GetPolicyResponse AgentClient::get_policy(const std::string& id)
{
    kadapter::GetPolicyRequest req;
    req.set_container_id(id);
    return unary<kadapter::GetPolicyResponse>(kPolicy, "GetPolicy", req);
}

kadapter::ListContainersResponse AgentClient::list_containers()
{
    return unary<kadapter::ListContainersResponse>(kPolicy, "ListContainers", kadapter::ListContainersRequest());
}

kadapter::ReadEventsResponse AgentClient::read_events(uint32_t max, uint32_t timeout_ms,
                                                      const std::string& container_id)
{
    kadapter::ReadEventsRequest req;
    req.set_max(max);
    req.set_timeout_ms(timeout_ms);
    req.set_container_id(container_id);
    return unary<kadapter::ReadEventsResponse>(kPolicy, "ReadEvents", req);
}

kadapter::GetStatsResponse AgentClient::stats()
{
    return unary<kadapter::GetStatsResponse>(kPolicy, "GetStats", kadapter::GetStatsRequest());
}

SpecBuilder::SpecBuilder(const std::string& rootfs, std::vector<std::string> args)
{
    spec_.set_version("1.1.0");
    auto* p = spec_.mutable_process();
    for (auto& a : args)
        p->add_args(a);
    p->add_env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    p->set_cwd("/");
    capabilities(kDefaultCaps);
    spec_.mutable_root()->set_path(rootfs);
    // What containerd puts into every spec.
    mount("proc", "/proc", "proc", {"nosuid", "noexec", "nodev"});
    mount("tmpfs", "/dev", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
    mount("devpts", "/dev/pts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
    mount("shm", "/dev/shm", "tmpfs", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"});
    mount("mqueue", "/dev/mqueue", "mqueue", {"nosuid", "noexec", "nodev"});
    mount("sysfs", "/sys", "sysfs", {"nosuid", "noexec", "nodev", "ro"});
    mount("tmpfs", "/tmp", "tmpfs", {"nosuid", "nodev", "mode=1777"});
    auto* lx = spec_.mutable_linux();
    for (const char* m : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"})
        lx->add_maskedpaths(m);
    for (const char* r : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"})
        lx->add_readonlypaths(r);
}

SpecBuilder& SpecBuilder::env(const std::string& kv)
{
    spec_.mutable_process()->add_env(kv);
    return *this;
}

SpecBuilder& SpecBuilder::cwd(const std::string& dir)
{
    spec_.mutable_process()->set_cwd(dir);
    return *this;
}

SpecBuilder& SpecBuilder::user(uint32_t uid, uint32_t gid)
{
    spec_.mutable_process()->mutable_user()->set_uid(uid);
    spec_.mutable_process()->mutable_user()->set_gid(gid);
    return *this;
}

SpecBuilder& SpecBuilder::terminal(bool on)
{
    spec_.mutable_process()->set_terminal(on);
    return *this;
}

SpecBuilder& SpecBuilder::annotation(const std::string& key, const std::string& value)
{
    (*spec_.mutable_annotations())[key] = value;
    return *this;
}

SpecBuilder& SpecBuilder::mount(const std::string& source, const std::string& destination, const std::string& type,
                                std::vector<std::string> options)
{
    auto* m = spec_.add_mounts();
    m->set_source(source);
    m->set_destination(destination);
    m->set_type(type);
    for (auto& o : options)
        m->add_options(o);
    return *this;
}

SpecBuilder& SpecBuilder::cgroups_path(const std::string& path)
{
    spec_.mutable_linux()->set_cgroupspath(path);
    return *this;
}

SpecBuilder& SpecBuilder::hostname(const std::string& name)
{
    spec_.set_hostname(name);
    return *this;
}

SpecBuilder& SpecBuilder::readonly_rootfs(bool on)
{
    spec_.mutable_root()->set_readonly(on);
    return *this;
}

SpecBuilder& SpecBuilder::capabilities(const std::vector<std::string>& caps)
{
    auto* c = spec_.mutable_process()->mutable_capabilities();
    c->Clear();
    for (const auto& cap : caps) {
        c->add_bounding(cap);
        c->add_effective(cap);
        c->add_permitted(cap);
    }
    return *this;
}

SpecBuilder& SpecBuilder::no_new_privileges(bool on)
{
    spec_.mutable_process()->set_nonewprivileges(on);
    return *this;
}

grpc::CreateContainerRequest SpecBuilder::request(const std::string& container_id) const
{
    grpc::CreateContainerRequest req;
    req.set_container_id(container_id);
    req.set_exec_id(container_id); // as the shim does
    *req.mutable_oci() = spec_;
    return req;
}

} // namespace kadapter::agent
