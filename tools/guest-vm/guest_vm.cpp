#include "guest_vm.hpp"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "agent_client.hpp"
#include "log_text.hpp"

namespace kadapter::vm {
namespace {

int connect_unix(const std::string& path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// The machine every guest runs on; callers add their devices.
std::vector<std::string> qemu_args(const GuestVmOptions& o, Accel accel, const TempDir& workdir,
                                   const std::string& cmdline)
{
    std::vector<std::string> args = {"qemu-system-x86_64"};
    for (auto& a : machine_args(accel))
        args.push_back(std::move(a));
    args.insert(args.end(), {
                                "-m",
                                std::to_string(o.memory_mb),
                                "-smp",
                                std::to_string(o.cpus),
                                "-nodefaults",
                                "-no-reboot",
                                "-display",
                                "none",
                                "-monitor",
                                "none",
                                // The console: logged to a file, and a socket to type into
                                // (agent.debug_console's shell reads from it).
                                "-chardev",
                                "socket,id=console,path=" + (workdir / "console.sock") +
                                    ",server=on,wait=off,logfile=" + (workdir / "console.log"),
                                "-serial",
                                "chardev:console",
                                "-kernel",
                                o.kernel,
                                "-initrd",
                                o.initrd,
                                "-append",
                                cmdline,
                            });
    return args;
}

// The options, once their kernel and initrd are known to exist.
const GuestVmOptions& checked(const GuestVmOptions& o)
{
    for (const auto& f : {o.kernel, o.initrd})
        if (!std::filesystem::exists(f))
            throw GuestVmError("missing " + f + ": build the project first");
    return o;
}

} // namespace

ProgramRun run_program(const GuestVmOptions& options, const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout)
{
    checked(options);
    ProgramRun run;
    run.accel = choose_accelerator(options.kernel, options.initrd).accel;
    TempDir workdir("kadapter-vm");
    std::string cmdline = "console=ttyS0 panic=-1 quiet rdinit=" + program + " " + options.extra_cmdline + " --";
    for (const auto& a : args)
        cmdline += " " + a;

    auto started = std::chrono::steady_clock::now();
    {
        ChildProcess qemu(qemu_args(options, run.accel, workdir, cmdline), workdir / "qemu.log");
        run.timed_out = !qemu.wait_for(timeout);
    } // stopped here if it is still running
    run.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    run.console = read_text(workdir / "console.log");
    const std::string qemu_log = read_text(workdir / "qemu.log");
    if (!qemu_log.empty())
        run.console += "\n[qemu] " + qemu_log;
    // The program's last word (oneshot_init.h); absent if it crashed.
    const std::string marker = "kadapter-oneshot: exit ";
    if (size_t at = run.console.rfind(marker); at != std::string::npos)
        run.exit_status = std::atoi(run.console.c_str() + at + marker.size());
    return run;
}

GuestVmOptions default_options()
{
    GuestVmOptions o;
    o.kernel = KADAPTER_DEFAULT_GUEST_KERNEL;
    o.initrd = KADAPTER_DEFAULT_INITRD;
    if (const char* k = ::getenv("KADAPTER_GUEST_KERNEL"))
        o.kernel = k;
    if (const char* i = ::getenv("KADAPTER_INITRD"))
        o.initrd = i;
    if (const char* c = ::getenv("KADAPTER_GUEST_CMDLINE"))
        o.extra_cmdline = c;
    return o;
}

GuestVm::GuestVm(GuestVmOptions options)
    : options_(checked(options)), accel_(choose_accelerator(options_.kernel, options_.initrd).accel)
{
    cmdline_ = "console=ttyS0 panic=-1 quiet agent.log=info "
               "agent.server_addr=serial://agent.channel.0,serial://agent.channel.1,vsock://-1:1024 " +
               options_.extra_cmdline;
    std::vector<std::string> args = qemu_args(options_, accel_, workdir_, cmdline_);
    // The agent's port and the alert port, as Kata's runtime names them.
    args.insert(args.end(), {
                                "-device",
                                "virtio-serial-pci",
                                "-chardev",
                                "socket,id=agent,path=" + (workdir_ / "agent.sock") + ",server=on,wait=off",
                                "-device",
                                "virtserialport,chardev=agent,name=agent.channel.0",
                                "-chardev",
                                "socket,id=log,path=" + (workdir_ / "log.sock") + ",server=on,wait=off",
                                "-device",
                                "virtserialport,chardev=log,name=agent.log",
                                // A second agent port for host tools (kadapter push) while
                                // the first one holds the test session.
                                "-chardev",
                                "socket,id=tools,path=" + (workdir_ / "tools.sock") + ",server=on,wait=off",
                                "-device",
                                "virtserialport,chardev=tools,name=agent.channel.1",
                            });

    if (!options_.shared_dir.empty()) // Kata's shared directory, as its QEMU driver adds it with 9p
        args.insert(args.end(), {"-fsdev", "local,id=shared,security_model=none,path=" + options_.shared_dir, "-device",
                                 "virtio-9p-pci,fsdev=shared,mount_tag=kataShared"});

    if (!options_.nic_mac.empty()) // as a CNI-plugged pod NIC: the runtime configures it with UpdateInterface
        args.insert(args.end(), {"-netdev", "user,id=net0,ipv6=off", "-device",
                                 "virtio-net-pci,netdev=net0,romfile=,mac=" + options_.nic_mac});

    if (!options_.virtiofs_dir.empty()) {
        // Kata's other way to share: virtiofsd serves the directory, and
        // QEMU shares the guest's memory with it (vhost-user).
        start_virtiofsd();
        const std::string mem = std::to_string(options_.memory_mb) + "M";
        args.insert(args.end(), {"-chardev", "socket,id=vfs,path=" + (workdir_ / "virtiofs.sock"), "-device",
                                 "vhost-user-fs-pci,chardev=vfs,tag=kataShared", "-object",
                                 "memory-backend-memfd,id=mem,size=" + mem + ",share=on", "-numa", "node,memdev=mem"});
    }

    auto started = std::chrono::steady_clock::now();
    qemu_ = ChildProcess(args, workdir_ / "qemu.log");
    wait_for_agent(started);
    boot_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

// Members stop in reverse order: the agent connection, the log reader
// (asked to stop), QEMU and virtiofsd (their groups killed), and last the
// directory of their sockets and logs.
GuestVm::~GuestVm() = default;

void GuestVm::start_virtiofsd()
{
    const std::string sock = workdir_ / "virtiofs.sock";
    virtiofsd_ = ChildProcess({KADAPTER_VIRTIOFSD, "--socket-path=" + sock, "-o", "source=" + options_.virtiofs_dir,
                               "-o", "cache=none", "-o", "sandbox=chroot"},
                              workdir_ / "virtiofsd.log");
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::exists(sock)) {
        if (!virtiofsd_.running() || std::chrono::steady_clock::now() > end)
            throw GuestVmError(
                "virtiofsd did not start (" +
                (virtiofsd_.status() ? describe_wait_status(*virtiofsd_.status()) : "no socket in 10 s") +
                "): " + read_text(workdir_ / "virtiofsd.log"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void GuestVm::wait_for_agent(std::chrono::steady_clock::time_point started)
{
    // QEMU creates its sockets before the guest runs; it may also exit
    // first (a bad option, a KVM that aborts).
    const std::string log_sock = workdir_ / "log.sock";
    while (!std::filesystem::exists(log_sock)) {
        if (!qemu_.running())
            throw boot_failure("QEMU " + describe_wait_status(qemu_.status().value_or(0)) + " at start");
        if (std::chrono::steady_clock::now() - started > std::chrono::seconds(10))
            throw boot_failure("QEMU made none of its sockets in 10 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    log_fd_.reset(connect_unix(log_sock));
    if (log_fd_)
        log_reader_ = std::jthread([this](std::stop_token stop) { read_log(stop); });

    // One connection, held until the agent answers: the virtio-serial port
    // keeps the request until the guest opens it. It fails early only if
    // QEMU goes away (the socket closes).
    try {
        agent_ = std::make_unique<agent::AgentClient>(agent_address(), options_.boot_timeout);
        if (agent_->check().status() != grpc::HealthCheckResponse::SERVING)
            throw std::runtime_error("the agent is not serving");
    } catch (const std::exception& e) {
        agent_.reset();
        if (qemu_.wait_for(std::chrono::milliseconds(500)))
            throw boot_failure("QEMU " + describe_wait_status(qemu_.status().value_or(0)) +
                               " before the agent answered (" + e.what() + ")");
        throw boot_failure(std::string("the guest did not come up (") + e.what() + ")");
    }
}

GuestVmError GuestVm::boot_failure(const std::string& what) const
{
    std::string qemu = read_text(workdir_ / "qemu.log");
    return GuestVmError(what + " [" + accel_name(accel_) + "]\nQEMU said: " + (qemu.empty() ? "(nothing)\n" : qemu) +
                        "Console (tail):\n" + tail(read_text(workdir_ / "console.log"), 6000));
}

void GuestVm::write_console(const std::string& text)
{
    // Connected only while writing: a connected reader that does not read
    // would stall the guest's serial output.
    int fd = connect_unix(workdir_ / "console.sock");
    if (fd < 0)
        throw std::runtime_error("cannot connect to the guest console");
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0)
            break;
        done += n;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // let QEMU take it before the hang-up
    ::close(fd);
    if (done < text.size())
        throw std::runtime_error("short write to the guest console");
}

std::string GuestVm::console_log() const
{
    std::string out = read_text(workdir_ / "console.log");
    std::string qemu = read_text(workdir_ / "qemu.log");
    if (!qemu.empty())
        out += "\n[qemu] " + qemu;
    return out;
}

std::string GuestVm::console_tail(size_t bytes) const
{
    return tail(console_log(), bytes);
}

void GuestVm::read_log(std::stop_token stop)
{
    std::string partial;
    char buf[8192];
    while (!stop.stop_requested()) {
        pollfd pfd{log_fd_.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t r = ::read(log_fd_.get(), buf, sizeof(buf));
        if (r <= 0)
            return;
        partial.append(buf, static_cast<size_t>(r));
        size_t nl;
        std::lock_guard lock(mu_);
        while ((nl = partial.find('\n')) != std::string::npos) {
            lines_.push_back(partial.substr(0, nl));
            partial.erase(0, nl + 1);
        }
        cv_.notify_all();
    }
}

std::vector<std::string> GuestVm::log_lines() const
{
    std::lock_guard lock(mu_);
    return lines_;
}

std::optional<std::string> GuestVm::wait_for_log(const std::function<bool(const std::string&)>& match, size_t from,
                                                 std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    auto end = std::chrono::steady_clock::now() + timeout;
    size_t seen = from;
    for (;;) {
        for (; seen < lines_.size(); ++seen)
            if (match(lines_[seen]))
                return lines_[seen];
        if (cv_.wait_until(lock, end) == std::cv_status::timeout) {
            for (; seen < lines_.size(); ++seen)
                if (match(lines_[seen]))
                    return lines_[seen];
            return std::nullopt;
        }
    }
}

} // namespace kadapter::vm
