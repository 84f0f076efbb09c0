// Boots a kadapter guest under QEMU: the Debian kernel, our initrd, the
// agent on a virtio-serial port (agent.channel.0) and alerts on another
// (agent.log), both as unix sockets on the host. Used by the demo, the
// guest test suite and the benchmark.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kadapter::agent {
class AgentClient;
}

namespace kadapter::vm {

struct GuestVmOptions {
    std::string kernel;        // vmlinuz
    std::string initrd;        // kadapter-initrd.img
    std::string extra_cmdline; // appended to the kernel command line
    std::string shared_dir;    // host directory shared over virtio-9p as mount tag "kataShared" ("" = none)
    // A virtio-net NIC with this MAC on QEMU's user-mode network (guest
    // 10.0.2.0/24, the host's loopback reachable as 10.0.2.2); "" = none.
    std::string nic_mac;
    // Served by virtiofsd over virtio-fs as mount tag "kataShared" ("" = none).
    std::string virtiofs_dir;
    int memory_mb = 1024;
    int cpus = 2;
    std::chrono::seconds boot_timeout{180};
};

class GuestVm {
public:
    // Starts QEMU and waits until the agent answers Health.Check; throws
    // std::runtime_error carrying the console log when it does not.
    explicit GuestVm(GuestVmOptions options);
    ~GuestVm();
    GuestVm(const GuestVm&) = delete;
    GuestVm& operator=(const GuestVm&) = delete;

    std::string agent_address() const { return "unix://" + workdir_ + "/agent.sock"; }
    // A second connection to the same agent, for host tools run by tests.
    std::string tools_address() const { return "unix://" + workdir_ + "/tools.sock"; }
    // The one connection to the agent: a virtio-serial port carries one
    // host session at a time, as Kata's shim keeps one long-lived connection.
    agent::AgentClient& agent() { return *agent_; }
    std::string console_log() const;
    // Types `text` into the guest's serial console.
    void write_console(const std::string& text);
    std::string console_tail(size_t bytes = 8000) const;
    std::chrono::milliseconds boot_time() const { return boot_time_; }
    bool running();

    // Alert lines the guest wrote to its agent.log port so far.
    std::vector<std::string> log_lines() const;
    // Waits for a log line (at index >= `from`) that satisfies `match`.
    std::optional<std::string> wait_for_log(const std::function<bool(const std::string&)>& match, size_t from,
                                            std::chrono::milliseconds timeout);

    // The kernel command line the guest was booted with.
    std::string cmdline() const { return cmdline_; }

private:
    void read_log();

    GuestVmOptions options_;
    std::string workdir_;
    std::string cmdline_;
    pid_t qemu_ = -1;
    pid_t virtiofsd_ = -1;
    std::unique_ptr<agent::AgentClient> agent_;
    std::chrono::milliseconds boot_time_{0};

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> lines_;
    int log_fd_ = -1;
    bool stopping_ = false;
    std::thread log_reader_;
};

// A program booted as the guest's init (rdinit=) for one run, with no
// agent: for cases that must own the kernel's BPF-LSM state, such as the C
// API test and the benchmark. The program follows oneshot_init.h.
struct ProgramRun {
    int exit_status = -1; // from its "kadapter-oneshot: exit N" line; -1 if it never said
    bool timed_out = false;
    std::string console;
    std::chrono::milliseconds elapsed{0};
};

// `program` is a path inside the initrd; `args` reach it as argv[1...].
ProgramRun run_program(const GuestVmOptions& options, const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout);

// The kernel and initrd this build made (from CMake), overridable with
// KADAPTER_GUEST_KERNEL / KADAPTER_INITRD in the environment;
// KADAPTER_GUEST_CMDLINE adds to the kernel command line.
GuestVmOptions default_options();

} // namespace kadapter::vm
