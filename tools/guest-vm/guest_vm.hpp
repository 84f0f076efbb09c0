// Boots a kadapter guest under QEMU: the Debian kernel, our initrd, the
// agent on a virtio-serial port (agent.channel.0) and alerts on another
// (agent.log), both as unix sockets on the host. Used by the demo, the
// guest test suite and the benchmark. KVM or TCG: see accelerator.hpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accelerator.hpp"
#include "child_process.hpp"
#include "kadapter/unique_fd.hpp"
#include "temp_dir.hpp"

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
    // GuestVmError with QEMU's own messages and the console's tail when it
    // does not (QEMU missing or exiting, the guest hanging, virtiofsd).
    // Everything started so far is stopped again on the way out.
    explicit GuestVm(GuestVmOptions options);
    ~GuestVm();
    GuestVm(const GuestVm&) = delete;
    GuestVm& operator=(const GuestVm&) = delete;

    std::string agent_address() const { return "unix://" + (workdir_ / "agent.sock"); }
    // A second connection to the same agent, for host tools run by tests.
    std::string tools_address() const { return "unix://" + (workdir_ / "tools.sock"); }
    // The one connection to the agent: a virtio-serial port carries one
    // host session at a time, as Kata's shim keeps one long-lived connection.
    agent::AgentClient& agent() { return *agent_; }
    std::string console_log() const;
    // Types `text` into the guest's serial console.
    void write_console(const std::string& text);
    std::string console_tail(size_t bytes = 8000) const;
    std::chrono::milliseconds boot_time() const { return boot_time_; }
    Accel accel() const { return accel_; }
    bool running() { return qemu_.running(); }

    // Alert lines the guest wrote to its agent.log port so far.
    std::vector<std::string> log_lines() const;
    // Waits for a log line (at index >= `from`) that satisfies `match`.
    std::optional<std::string> wait_for_log(const std::function<bool(const std::string&)>& match, size_t from,
                                            std::chrono::milliseconds timeout);

    // The kernel command line the guest was booted with.
    std::string cmdline() const { return cmdline_; }

private:
    void start_virtiofsd();
    void wait_for_agent(std::chrono::steady_clock::time_point started);
    // `what`, QEMU's own output and the console's tail.
    GuestVmError boot_failure(const std::string& what) const;
    void read_log(std::stop_token stop);

    // Destroyed in reverse: the agent connection, the log reader, QEMU,
    // virtiofsd, and last the directory of their sockets and logs.
    GuestVmOptions options_;
    Accel accel_;
    TempDir workdir_{"kadapter-vm"};
    std::string cmdline_;
    ChildProcess virtiofsd_;
    ChildProcess qemu_;
    std::chrono::milliseconds boot_time_{0};

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> lines_;
    UniqueFd log_fd_;
    std::jthread log_reader_;
    std::unique_ptr<agent::AgentClient> agent_;
};

// A program booted as the guest's init (rdinit=) for one run, with no
// agent: for cases that must own the kernel's BPF-LSM state, such as the C
// API test and the benchmark. The program follows oneshot_init.h.
struct ProgramRun {
    int exit_status = -1; // from its "kadapter-oneshot: exit N" line; -1 if it never said
    bool timed_out = false;
    Accel accel = Accel::tcg;
    std::string console;
    std::chrono::milliseconds elapsed{0};
};

// `program` is a path inside the initrd; `args` reach it as argv[1...].
// Throws GuestVmError when QEMU cannot be started at all.
ProgramRun run_program(const GuestVmOptions& options, const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout);

// The kernel and initrd this build made (from CMake), overridable with
// KADAPTER_GUEST_KERNEL / KADAPTER_INITRD in the environment;
// KADAPTER_GUEST_CMDLINE adds to the kernel command line.
GuestVmOptions default_options();

} // namespace kadapter::vm
