#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace kadapter::vm {

ChildProcess::ChildProcess(const std::vector<std::string>& args, const std::string& log)
{
    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls.
    std::vector<std::string> owned = args;
    std::vector<char*> argv;
    for (auto& a : owned)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        int null = ::open("/dev/null", O_RDWR);
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (null < 0 || out < 0)
            ::_exit(126);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        ::setpgid(0, 0);
        ::execvp(argv[0], argv.data());
        const char* what = std::strerror(errno);
        (void)!::write(2, argv[0], std::strlen(argv[0]));
        (void)!::write(2, ": ", 2);
        (void)!::write(2, what, std::strlen(what));
        (void)!::write(2, "\n", 1);
        ::_exit(127);
    }
    // Also from the parent, so a kill of the group cannot race the child's
    // own setpgid.
    ::setpgid(pid_, pid_);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), status_(std::exchange(o.status_, std::nullopt))
{
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept
{
    if (this != &o) {
        stop();
        pid_ = std::exchange(o.pid_, -1);
        status_ = std::exchange(o.status_, std::nullopt);
    }
    return *this;
}

bool ChildProcess::running()
{
    if (pid_ <= 0)
        return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        // The group may outlive its leader (QEMU's helpers): end it too.
        ::kill(-pid_, SIGKILL);
        pid_ = -1;
        return false;
    }
    return true;
}

bool ChildProcess::wait_for(std::chrono::milliseconds timeout)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= end)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

void ChildProcess::stop(std::chrono::milliseconds grace)
{
    if (!running())
        return;
    ::kill(-pid_, SIGTERM);
    if (wait_for(grace))
        return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_)
        status_ = status;
    pid_ = -1;
}

std::string describe_wait_status(int status)
{
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
    return "ended with wait status " + std::to_string(status);
}

} // namespace kadapter::vm
