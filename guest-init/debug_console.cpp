#include "debug_console.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "kadapter/unique_fd.hpp"
#include "reaper.hpp"
#include "ttrpc/transport.hpp"

namespace guest_init {
namespace {

using kadapter::UniqueFd;

const char* find_shell()
{
    for (const char* shell : {"/bin/bash", "/bin/sh"})
        if (::access(shell, X_OK) == 0)
            return shell;
    return nullptr;
}

// Runs `shell` with `fd` as its stdio and controlling terminal (when it is
// one), in a session of its own; returns its pid, or -1.
pid_t spawn_shell(const char* shell, int fd)
{
    pid_t pid = ::fork();
    if (pid != 0)
        return pid;
    // Not PID 1's signal state: SIGCHLD blocked, SIGPIPE ignored.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::setsid();
    ::ioctl(fd, TIOCSCTTY, 0); // fails harmlessly on a socket
    for (int target = 0; target < 3; ++target)
        ::dup2(fd, target);
    if (fd > 2)
        ::close(fd);
    const char* argv[] = {shell, nullptr};
    const char* envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=vt100",
                          nullptr};
    ::execve(shell, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    ::_exit(127);
}

// Waits for the shell to exit (the reaper collects every child of PID 1).
void reap(pid_t pid)
{
    Reaper::instance().watch(pid);
    Reaper::instance().wait(pid);
    Reaper::instance().forget(pid);
}

void serve_console(const char* shell)
{
    for (;;) {
        UniqueFd fd(::open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!fd) {
            spdlog::error("debug console: cannot open /dev/console: {}", std::strerror(errno));
            return;
        }
        pid_t pid = spawn_shell(shell, fd.get());
        if (pid < 0) {
            spdlog::error("debug console: fork: {}", std::strerror(errno));
            return;
        }
        reap(pid);
        std::this_thread::sleep_for(std::chrono::seconds(1)); // no busy loop if the shell cannot start
    }
}

void serve_vsock(const char* shell, uint32_t vport)
{
    ttrpc::Address addr;
    addr.kind = ttrpc::Address::Kind::Vsock;
    addr.cid = 0xffffffff;
    addr.port = vport;
    UniqueFd listener;
    try {
        listener = UniqueFd(ttrpc::listen_on(addr));
    } catch (const std::exception& e) {
        spdlog::error("debug console: listening on vsock port {}: {}", vport, e.what());
        return;
    }
    for (;;) {
        UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!conn) {
            if (errno != EINTR && errno != ECONNABORTED)
                std::this_thread::sleep_for(std::chrono::seconds(1)); // e.g. out of fds: no busy loop
            continue;
        }
        pid_t pid = spawn_shell(shell, conn.get());
        if (pid > 0)
            std::thread(reap, pid).detach();
    }
}

} // namespace

void start_debug_console(uint32_t vport)
{
    const char* shell = find_shell();
    if (!shell) {
        spdlog::error("agent.debug_console: no shell in the guest (/bin/bash, /bin/sh)");
        return;
    }
    spdlog::warn("agent.debug_console: a root shell ({}) on {}", shell,
                 vport ? "vsock port " + std::to_string(vport) : std::string("/dev/console"));
    if (vport)
        std::thread(serve_vsock, shell, vport).detach();
    else
        std::thread(serve_console, shell).detach();
}

} // namespace guest_init
