#include "spawn.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "reaper.hpp"

namespace guest_init {
namespace {

constexpr int kHelperTimeoutMs = 60000;

// One message, or "" at end of stream; throws on timeout.
std::string receive(int fd, int timeout_ms, const char* waiting_for)
{
    pollfd pfd{fd, POLLIN, 0};
    for (;;) {
        int n = ::poll(&pfd, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            throw std::runtime_error(std::string("timed out waiting for ") + waiting_for);
        break;
    }
    char buf[4096];
    ssize_t r;
    do
        r = ::recv(fd, buf, sizeof(buf), 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        throw std::runtime_error(std::string("reading ") + waiting_for + ": " + std::strerror(errno));
    return std::string(buf, static_cast<size_t>(r));
}

void send_message(int fd, const std::string& msg)
{
    if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size()))
        throw std::runtime_error(std::string("talking to the container process: ") + std::strerror(errno));
}

} // namespace

Spawned spawn_process(const kadapter::init::InitConfig& config, const Stdio& stdio)
{
    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0)
        throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    kadapter::UniqueFd parent_end(sp[0]);
    kadapter::UniqueFd child_end(sp[1]);

    pid_t helper = ::fork();
    if (helper < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (helper == 0) {
        // A fork of a multithreaded process: only async-signal-safe calls
        // until the exec.
        ::dup2(stdio.child_stdin.get(), 0);
        ::dup2(stdio.child_stdout.get(), 1);
        ::dup2(stdio.child_stderr.get(), 2);
        ::dup2(child_end.get(), 3);
        const char* argv[] = {"kadapter-init", kContainerInitArg, nullptr};
        const char* envp[] = {nullptr};
        ::execve("/proc/self/exe", const_cast<char**>(argv), const_cast<char**>(envp));
        ::_exit(127);
    }
    Reaper::instance().watch(helper);
    child_end.reset();

    std::string cfg;
    config.SerializeToString(&cfg);
    std::string reply;
    try {
        send_message(parent_end.get(), cfg);
        reply = receive(parent_end.get(), kHelperTimeoutMs, "the container helper");
    } catch (...) {
        Reaper::instance().kill_and_reap(helper);
        throw;
    }
    Reaper::instance().wait(helper);
    Reaper::instance().forget(helper);
    if (!reply.starts_with("pid:"))
        throw std::runtime_error(reply.starts_with("error:") ? reply.substr(6)
                                                             : "the container helper failed to start a process");

    Spawned s;
    s.pid = static_cast<pid_t>(std::stol(reply.substr(4)));
    Reaper::instance().watch(s.pid);
    try {
        std::string ready = receive(parent_end.get(), kHelperTimeoutMs, "the container set-up");
        if (ready != "ready")
            throw std::runtime_error(ready.starts_with("error:") ? ready.substr(6)
                                                                 : "the container process ended during set-up");
    } catch (...) {
        Reaper::instance().kill_and_reap(s.pid);
        throw;
    }
    s.sync = std::move(parent_end);
    return s;
}

std::string release_process(Spawned& spawned)
{
    send_message(spawned.sync.get(), "start");
    // The process's end of the socket closes on a successful exec.
    std::string reply = receive(spawned.sync.get(), kHelperTimeoutMs, "the container process to exec");
    spawned.sync.reset();
    if (reply.empty())
        return "";
    return reply.starts_with("error:") ? reply.substr(6) : reply;
}

} // namespace guest_init
