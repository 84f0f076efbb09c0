#include "guest_vm.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "agent_client.hpp"

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

bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (std::filesystem::exists(path))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// The machine every guest runs on; callers add their devices.
std::vector<std::string> qemu_args(const GuestVmOptions& o, const std::string& workdir, const std::string& cmdline)
{
    const bool kvm = ::access("/dev/kvm", R_OK | W_OK) == 0;
    return {
        "qemu-system-x86_64",
        "-machine",
        kvm ? "q35,accel=kvm" : "q35,accel=tcg",
        "-cpu",
        kvm ? "host" : "max",
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
        "socket,id=console,path=" + workdir + "/console.sock,server=on,wait=off,logfile=" + workdir + "/console.log",
        "-serial",
        "chardev:console",
        "-kernel",
        o.kernel,
        "-initrd",
        o.initrd,
        "-append",
        cmdline,
    };
}

// QEMU in its own process group (killed as a group), its own output in
// workdir/qemu.log.
// Runs `args` in a process group of its own, output to `log`.
pid_t spawn(std::vector<std::string> args, const std::string& log)
{
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(err, 1);
        ::dup2(err, 2);
        ::setpgid(0, 0);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string make_workdir()
{
    char tmpl[] = "/tmp/kadapter-vm.XXXXXX";
    if (!::mkdtemp(tmpl))
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    return tmpl;
}

} // namespace

ProgramRun run_program(const GuestVmOptions& options, const std::string& program, const std::vector<std::string>& args,
                       std::chrono::seconds timeout)
{
    for (const auto& f : {options.kernel, options.initrd})
        if (!std::filesystem::exists(f))
            throw std::runtime_error("missing " + f + ": build the project first");
    const std::string workdir = make_workdir();
    std::string cmdline = "console=ttyS0 panic=-1 quiet rdinit=" + program + " " + options.extra_cmdline + " --";
    for (const auto& a : args)
        cmdline += " " + a;

    auto started = std::chrono::steady_clock::now();
    pid_t qemu = spawn(qemu_args(options, workdir, cmdline), workdir + "/qemu.log");
    ProgramRun run;
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(qemu, &status, WNOHANG);
        if (r == qemu)
            break;
        if (std::chrono::steady_clock::now() - started > timeout) {
            ::kill(-qemu, SIGKILL);
            ::waitpid(qemu, &status, 0);
            run.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    run.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    run.console = read_text(workdir + "/console.log");
    const std::string qemu_log = read_text(workdir + "/qemu.log");
    if (!qemu_log.empty())
        run.console += "\n[qemu] " + qemu_log;
    // The program's last word (oneshot_init.h); absent if it crashed.
    const std::string marker = "kadapter-oneshot: exit ";
    if (size_t at = run.console.rfind(marker); at != std::string::npos)
        run.exit_status = std::atoi(run.console.c_str() + at + marker.size());
    std::error_code ec;
    std::filesystem::remove_all(workdir, ec);
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

GuestVm::GuestVm(GuestVmOptions options) : options_(std::move(options))
{
    workdir_ = make_workdir();
    for (const auto& f : {options_.kernel, options_.initrd})
        if (!std::filesystem::exists(f))
            throw std::runtime_error("missing " + f + ": build the project first");

    cmdline_ = "console=ttyS0 panic=-1 quiet agent.log=info "
               "agent.server_addr=serial://agent.channel.0,serial://agent.channel.1,vsock://-1:1024 " +
               options_.extra_cmdline;
    std::vector<std::string> args = qemu_args(options_, workdir_, cmdline_);
    // The agent's port and the alert port, as Kata's runtime names them.
    args.insert(args.end(), {
                                "-device",
                                "virtio-serial-pci",
                                "-chardev",
                                "socket,id=agent,path=" + workdir_ + "/agent.sock,server=on,wait=off",
                                "-device",
                                "virtserialport,chardev=agent,name=agent.channel.0",
                                "-chardev",
                                "socket,id=log,path=" + workdir_ + "/log.sock,server=on,wait=off",
                                "-device",
                                "virtserialport,chardev=log,name=agent.log",
                                // A second agent port for host tools (kadapter push) while
                                // the first one holds the test session.
                                "-chardev",
                                "socket,id=tools,path=" + workdir_ + "/tools.sock,server=on,wait=off",
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
        const std::string sock = workdir_ + "/virtiofs.sock";
        virtiofsd_ = spawn({KADAPTER_VIRTIOFSD, "--socket-path=" + sock, "-o", "source=" + options_.virtiofs_dir, "-o",
                            "cache=none", "-o", "sandbox=chroot"},
                           workdir_ + "/virtiofsd.log");
        if (!wait_for_file(sock, std::chrono::seconds(10)))
            throw std::runtime_error("virtiofsd did not start: " + read_text(workdir_ + "/virtiofsd.log"));
        const std::string mem = std::to_string(options_.memory_mb) + "M";
        args.insert(args.end(), {"-chardev", "socket,id=vfs,path=" + sock, "-device",
                                 "vhost-user-fs-pci,chardev=vfs,tag=kataShared", "-object",
                                 "memory-backend-memfd,id=mem,size=" + mem + ",share=on", "-numa", "node,memdev=mem"});
    }

    auto started = std::chrono::steady_clock::now();
    qemu_ = spawn(args, workdir_ + "/qemu.log");

    if (!wait_for_file(workdir_ + "/log.sock", std::chrono::seconds(10)))
        throw std::runtime_error("QEMU did not start: " + console_tail());
    log_fd_ = connect_unix(workdir_ + "/log.sock");
    if (log_fd_ >= 0)
        log_reader_ = std::thread([this] { read_log(); });

    try {
        agent_ = std::make_unique<agent::AgentClient>(agent_address(), options_.boot_timeout);
        if (agent_->check().status() != grpc::HealthCheckResponse::SERVING)
            throw std::runtime_error("the agent is not serving");
    } catch (const std::exception& e) {
        std::string log = console_tail();
        throw std::runtime_error(std::string("the guest did not come up (") + e.what() + "). Console:\n" + log);
    }
    boot_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

GuestVm::~GuestVm()
{
    agent_.reset();
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    if (qemu_ > 0) {
        ::kill(-qemu_, SIGTERM);
        for (int i = 0; i < 50; ++i) {
            if (::waitpid(qemu_, nullptr, WNOHANG) == qemu_) {
                qemu_ = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (qemu_ > 0) {
            ::kill(-qemu_, SIGKILL);
            ::waitpid(qemu_, nullptr, 0);
        }
    }
    if (virtiofsd_ > 0) {
        ::kill(-virtiofsd_, SIGKILL);
        ::waitpid(virtiofsd_, nullptr, 0);
    }
    if (log_fd_ >= 0)
        ::shutdown(log_fd_, SHUT_RDWR);
    if (log_reader_.joinable())
        log_reader_.join();
    if (log_fd_ >= 0)
        ::close(log_fd_);
    std::error_code ec;
    std::filesystem::remove_all(workdir_, ec);
}

bool GuestVm::running()
{
    if (qemu_ <= 0)
        return false;
    if (::waitpid(qemu_, nullptr, WNOHANG) == qemu_) {
        qemu_ = -1;
        return false;
    }
    return true;
}

void GuestVm::write_console(const std::string& text)
{
    // Connected only while writing: a connected reader that does not read
    // would stall the guest's serial output.
    int fd = connect_unix(workdir_ + "/console.sock");
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
    std::string out = read_text(workdir_ + "/console.log");
    std::string qemu = read_text(workdir_ + "/qemu.log");
    if (!qemu.empty())
        out += "\n[qemu] " + qemu;
    return out;
}

std::string GuestVm::console_tail(size_t bytes) const
{
    std::string log = console_log();
    return log.size() <= bytes ? log : "..." + log.substr(log.size() - bytes);
}

void GuestVm::read_log()
{
    std::string partial;
    char buf[8192];
    for (;;) {
        pollfd pfd{log_fd_, POLLIN, 0};
        int n = ::poll(&pfd, 1, 200);
        {
            std::lock_guard lock(mu_);
            if (stopping_)
                return;
        }
        if (n <= 0)
            continue;
        ssize_t r = ::read(log_fd_, buf, sizeof(buf));
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
