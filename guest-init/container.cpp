#include "container.hpp"

#include "cgroup_resources.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "reaper.hpp"

namespace guest_init {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::vector<pid_t> cgroup_pids(const std::string& dir)
{
    std::vector<pid_t> pids;
    std::ifstream in(dir + "/cgroup.procs");
    for (pid_t p; in >> p;)
        pids.push_back(p);
    return pids;
}

kadapter::init::InitConfig create_config(const ContainerOptions& o, const std::string& rootfs)
{
    kadapter::init::InitConfig c;
    c.set_mode(kadapter::init::InitConfig::CREATE);
    *c.mutable_process() = o.spec.process();
    c.set_rootfs(rootfs);
    c.set_readonly_rootfs(o.spec.root().readonly());
    for (const auto& m : o.spec.mounts())
        *c.add_mounts() = m;
    c.set_hostname(!o.spec.hostname().empty() ? o.spec.hostname() : o.default_hostname);
    const auto& lx = o.spec.linux();
    for (const auto& p : lx.maskedpaths())
        c.add_masked_paths(p);
    for (const auto& p : lx.readonlypaths())
        c.add_readonly_paths(p);
    c.set_rootfs_propagation(lx.rootfspropagation());
    for (const auto& [k, v] : lx.sysctl())
        (*c.mutable_sysctl())[k] = v;
    c.set_sandbox_pidns(o.sandbox_pidns);
    // A pid namespace given by path is joined (a hostPID-style container);
    // Kata's shim clears these paths, direct clients may set them.
    for (const auto& ns : lx.namespaces())
        if (ns.type() == "pid" && !ns.path().empty())
            c.set_sandbox_pidns(ns.path());
    return c;
}

Stdio stdio_for(const grpc::Process& p)
{
    return p.terminal() ? Stdio::terminal(p.consolesize().height(), p.consolesize().width()) : Stdio::pipes();
}

} // namespace

bool valid_id(const std::string& id)
{
    if (id.empty() || id.size() > 128 || id == "." || id == "..")
        return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
            return false;
    return true;
}

std::string cgroup_dir_for(const std::string& cgroups_path, const std::string& container_id)
{
    std::string path = cgroups_path.empty() ? "/" + container_id : cgroups_path;
    for (auto& ch : path)
        if (ch == ':')
            ch = '/';
    std::string out = "/sys/fs/cgroup";
    bool any = false;
    std::stringstream ss(path);
    for (std::string part; std::getline(ss, part, '/');) {
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            throw std::invalid_argument("cgroups path '" + cgroups_path + "' contains '..'");
        out += "/" + part;
        any = true;
    }
    if (!any)
        throw std::invalid_argument("cgroups path '" + cgroups_path + "' names the root cgroup");
    return out;
}

std::unique_ptr<Container> Container::create(ContainerOptions o, PolicyHooks hooks)
{
    if (!valid_id(o.id))
        throw std::invalid_argument("invalid container id '" + o.id + "'");
    if (!o.spec.has_process() || o.spec.process().args().empty())
        throw std::invalid_argument("the OCI spec has no process to run");
    if (o.spec.root().path().empty())
        throw std::invalid_argument("the OCI spec has no Root.Path");

    std::unique_ptr<Container> c(new Container);
    c->id_ = o.id;
    c->spec_ = o.spec;
    c->hooks_ = std::move(hooks);
    c->bundle_ = "/run/kata-containers/" + o.id;
    c->rootfs_ = c->bundle_ + "/rootfs";
    try {
        c->cgroup_dir_ = cgroup_dir_for(o.spec.linux().cgroupspath(), o.id);

        std::error_code ec;
        if (fs::exists(c->bundle_))
            throw std::invalid_argument("container " + o.id + " already has a bundle");
        fs::create_directories(c->rootfs_, ec);
        if (ec)
            throw std::runtime_error("creating the bundle " + c->bundle_ + ": " + ec.message());
        if (::mount(o.spec.root().path().c_str(), c->rootfs_.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            fail("binding the rootfs " + o.spec.root().path());
        c->rootfs_mounted_ = true;
        std::ofstream(c->bundle_ + "/config.pb", std::ios::binary) << o.spec.SerializeAsString();

        fs::create_directories(c->cgroup_dir_, ec);
        if (ec)
            throw std::runtime_error("creating the cgroup " + c->cgroup_dir_ + ": " + ec.message());
        c->cgroup_id_ = kadapter::cgroup_id_of(c->cgroup_dir_);
        enable_controllers(c->cgroup_dir_);
        if (o.spec.linux().has_resources())
            apply_resources(c->cgroup_dir_, o.spec.linux().resources());

        // The policy is in force before any process of the container exists.
        if (c->hooks_.bind) {
            c->hooks_.bind(c->cgroup_id_, c->rootfs_);
            c->bound_ = true;
        }

        Stdio stdio = stdio_for(o.spec.process());
        Spawned spawned = spawn_process(create_config(o, c->rootfs_), stdio);
        try {
            c->move_into_cgroup(spawned.pid);
            if (c->hooks_.set_up)
                c->hooks_.set_up(spawned.pid);
        } catch (...) {
            Reaper::instance().kill_and_reap(spawned.pid);
            throw;
        }
        c->init_ = std::make_shared<Process>(o.id, spawned.pid, std::move(stdio));
        c->parked_ = std::move(spawned);
    } catch (...) {
        c->cleanup();
        throw;
    }
    return c;
}

Container::~Container() = default;

void Container::update(const grpc::LinuxResources& resources)
{
    apply_resources(cgroup_dir_, resources);
}

grpc::CgroupStats Container::stats() const
{
    return read_stats(cgroup_dir_);
}

uint64_t Container::oom_kills() const
{
    return guest_init::oom_kills(cgroup_dir_);
}

void Container::move_into_cgroup(pid_t pid)
{
    std::ofstream procs(cgroup_dir_ + "/cgroup.procs");
    procs << pid << std::flush;
    if (!procs)
        throw std::runtime_error("moving process " + std::to_string(pid) + " into " + cgroup_dir_ + " failed");
}

Container::State Container::state()
{
    std::lock_guard lock(mu_);
    if (!started_)
        return State::Created;
    return init_->exit_status() ? State::Stopped : State::Running;
}

void Container::start()
{
    std::lock_guard lock(mu_);
    if (started_)
        throw std::logic_error("container " + id_ + " was already started");
    started_ = true;
    std::string err = release_process(*parked_);
    parked_.reset();
    if (!err.empty())
        throw std::runtime_error(err);
}

std::shared_ptr<Process> Container::exec(const std::string& exec_id, const grpc::Process& process)
{
    if (!valid_id(exec_id))
        throw std::invalid_argument("invalid exec id '" + exec_id + "'");
    {
        std::lock_guard lock(mu_);
        if (!started_ || init_->exit_status())
            throw std::logic_error("container " + id_ + " is not running");
        if (execs_.count(exec_id) || exec_id == id_)
            throw std::invalid_argument("exec id " + exec_id + " is already in use");
    }
    kadapter::init::InitConfig c;
    c.set_mode(kadapter::init::InitConfig::EXEC);
    *c.mutable_process() = process;
    c.set_join_pid(init_->pid());

    Stdio stdio = stdio_for(process);
    Spawned spawned = spawn_process(c, stdio);
    try {
        move_into_cgroup(spawned.pid);
        if (hooks_.exec_spawned)
            hooks_.exec_spawned(spawned.pid);
    } catch (...) {
        Reaper::instance().kill_and_reap(spawned.pid);
        throw;
    }
    auto proc = std::make_shared<Process>(exec_id, spawned.pid, std::move(stdio));
    {
        std::lock_guard lock(mu_);
        execs_[exec_id] = proc;
    }
    std::string err = release_process(spawned);
    if (!err.empty())
        throw std::runtime_error(err);
    return proc;
}

std::shared_ptr<Process> Container::process(const std::string& exec_id)
{
    std::lock_guard lock(mu_);
    if (exec_id.empty() || exec_id == id_)
        return init_;
    auto it = execs_.find(exec_id);
    return it == execs_.end() ? nullptr : it->second;
}

void Container::signal(const std::string& exec_id, int sig)
{
    if (!exec_id.empty() && exec_id != id_) {
        auto p = process(exec_id);
        if (!p)
            throw std::invalid_argument("no process " + exec_id + " in container " + id_);
        p->signal(sig);
        return;
    }
    if (sig == SIGKILL) {
        std::ofstream kill(cgroup_dir_ + "/cgroup.kill");
        kill << "1" << std::flush;
        if (kill)
            return;
    }
    for (pid_t pid : cgroup_pids(cgroup_dir_))
        ::kill(pid, sig);
    if (init_ && !started_)
        init_->signal(sig); // parked, maybe not yet in the cgroup
}

void Container::destroy(std::chrono::seconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // A parked first process never ran: drop it.
    {
        std::lock_guard lock(mu_);
        parked_.reset();
    }
    if (init_ && !init_->exit_status()) {
        signal("", SIGKILL);
        while (!init_->exit_status()) {
            if (timeout.count() > 0 && std::chrono::steady_clock::now() >= deadline)
                throw std::runtime_error("container " + id_ + " did not stop within " +
                                         std::to_string(timeout.count()) + " s");
            Reaper::instance().wait(init_->pid(), std::chrono::milliseconds(100));
        }
    }
    // Wait until the cgroup is empty (exec'd processes too).
    while (!cgroup_pids(cgroup_dir_).empty()) {
        signal("", SIGKILL);
        if (timeout.count() > 0 && std::chrono::steady_clock::now() >= deadline)
            throw std::runtime_error("processes of container " + id_ + " did not exit in time");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    cleanup();
}

void Container::cleanup()
{
    if (bound_ && hooks_.unbind) {
        try {
            hooks_.unbind();
        } catch (const std::exception& e) {
            spdlog::error("unbinding container {}: {}", id_, e.what());
        }
        bound_ = false;
    }
    if (!cgroup_dir_.empty())
        ::rmdir(cgroup_dir_.c_str());
    if (rootfs_mounted_) {
        ::umount2(rootfs_.c_str(), MNT_DETACH);
        rootfs_mounted_ = false;
    }
    std::error_code ec;
    if (!bundle_.empty())
        fs::remove_all(bundle_, ec);
}

} // namespace guest_init
