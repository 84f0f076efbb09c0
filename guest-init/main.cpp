// kadapter-init: PID 1 of a Kata guest. It prepares the guest, loads the
// BPF-LSM programs before any container exists, and serves the kata-agent
// API so that Kata's shim drives it like the kata-agent.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "agent.hpp"
#include "alerts.hpp"
#include "boot.hpp"
#include "config.hpp"
#include "debug_console.hpp"
#include "reaper.hpp"
#include "spawn.hpp"
#include "ttrpc/server.hpp"
#include "ttrpc/transport.hpp"

using namespace guest_init;

namespace {

// Tries to load the enforcer; on failure says exactly what is missing (on
// the console and, as Kata's agent log carries it, the log channels) and
// keeps going, so containers without policies still run.
EnforcerState load_enforcer(const Config& config, AlertLog& alerts)
{
    EnforcerState s;
    kadapter::EnforcerOptions opts;
    opts.max_alerts_per_sec = config.max_alerts_per_sec;
    opts.throttle_sec = config.throttle_sec;
    try {
        s.enforcer = std::make_unique<kadapter::Enforcer>(opts);
        auto stats = s.enforcer->stats();
        std::string hooks;
        for (const auto& h : stats.hooks)
            hooks += (hooks.empty() ? "" : ",") + h;
        spdlog::info("BPF-LSM enforcement ready: {} hooks ({})", stats.hooks.size(), hooks);
    } catch (const std::exception& e) {
        s.unavailable_reason = e.what();
        spdlog::error("BPF-LSM enforcement unavailable, containers with a kadapter policy will be refused: {}",
                      e.what());
        alerts.publish(nlohmann::json{{"level", "error"},
                                      {"source", "kadapter-init"},
                                      {"msg", std::string("BPF-LSM enforcement unavailable: ") + e.what()}}
                           .dump(),
                       "");
    }
    return s;
}

std::vector<ttrpc::Address> server_addresses(const Config& config)
{
    std::vector<std::string> text = config.server_addrs;
    if (!config.server_addrs_given) {
        text = {"vsock://-1:1024"};
        // Without vhost-vsock a host can still reach us on this port name.
        if (!ttrpc::find_serial_port("agent.channel.0").empty())
            text.push_back("serial://agent.channel.0");
    }
    std::vector<ttrpc::Address> out;
    for (const auto& t : text) {
        try {
            out.push_back(ttrpc::parse_address(t));
        } catch (const std::exception& e) {
            spdlog::error("agent.server_addr: {}", e.what());
        }
    }
    return out;
}

void serve(ttrpc::Server& server, const ttrpc::Address& addr)
{
    std::thread([&server, addr] {
        for (int attempt = 0;; ++attempt) {
            try {
                int fd = ttrpc::listen_on(addr);
                spdlog::info("serving the agent API on {}", ttrpc::to_string(addr));
                if (addr.kind == ttrpc::Address::Kind::Serial)
                    server.serve_port(fd);
                else
                    server.serve_listener(fd);
            } catch (const std::exception& e) {
                if (attempt == 0 || attempt % 60 == 0)
                    spdlog::error("cannot serve on {}: {}", ttrpc::to_string(addr), e.what());
            }
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }).detach();
}

// The log channels Kata reads: a vsock port the host connects to, and a
// virtio-serial port named agent.log when the VM has one.
void open_log_channels(const Config& config, AlertLog& alerts)
{
    std::string port = ttrpc::find_serial_port("agent.log");
    if (!port.empty()) {
        int fd = ::open(port.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0)
            alerts.add_sink(fd, "agent.log");
    }
    if (config.log_vport) {
        std::thread([&alerts, vport = config.log_vport] {
            try {
                ttrpc::Address a;
                a.kind = ttrpc::Address::Kind::Vsock;
                a.cid = 0xffffffffu;
                a.port = vport;
                int lfd = ttrpc::listen_on(a);
                for (;;) {
                    int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                    if (fd >= 0)
                        alerts.add_sink(fd, "log vsock");
                }
            } catch (const std::exception& e) {
                spdlog::error("log channel on vsock port {}: {}", vport, e.what());
            }
        }).detach();
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[1], kContainerInitArg) == 0)
        return container_init_main();

    // Every thread inherits the mask; only the reaper waits for SIGCHLD.
    Reaper::block_sigchld();
    ::signal(SIGPIPE, SIG_IGN);
    ::umask(022);

    auto console = spdlog::stderr_logger_mt("kadapter-init");
    console->set_pattern("kadapter-init[%P] %Y-%m-%dT%H:%M:%S.%e %l: %v");
    spdlog::set_default_logger(console);

    const bool pid1 = ::getpid() == 1;
    if (pid1) {
        if (std::string err = switch_from_initramfs(argv); !err.empty())
            spdlog::error("{}; containers cannot pivot_root", err);
        for (const auto& p : mount_early_filesystems())
            spdlog::error("{}", p);
    }
    Config config = parse_cmdline(read_text_file("/proc/cmdline"));
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::info("{} starting as pid {}", "kadapter-init " KADAPTER_VERSION, ::getpid());
    for (const auto& w : config.warnings)
        spdlog::warn("{}", w);
    for (const auto& [k, v] : config.ignored)
        spdlog::info("kernel parameter {}={} is not used by kadapter-init", k, v);

    if (pid1) {
        for (const auto& p : load_kernel_modules())
            spdlog::error("loading module {}", p);
        bring_up_loopback();
        ::setsid();
    }
    Reaper::instance().start();

    AlertLog alerts;
    alerts.add_sink(STDERR_FILENO, "console");
    open_log_channels(config, alerts);

    Agent agent(load_enforcer(config, alerts), alerts);
    ttrpc::Server server;
    agent.register_services(server);
    for (const auto& addr : server_addresses(config))
        serve(server, addr);
    spdlog::info("kadapter-init ready");
    if (config.debug_console)
        start_debug_console(config.debug_console_vport);

    agent.pump_events();
    for (;;)
        ::pause();
}
