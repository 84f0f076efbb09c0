#include "reaper.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <thread>

namespace guest_init {

Reaper& Reaper::instance()
{
    static Reaper r;
    return r;
}

void Reaper::block_sigchld()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void Reaper::start()
{
    std::thread([this] { run(); }).detach();
}

void Reaper::run()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    for (;;) {
        siginfo_t info;
        // A timeout as a safety net: signals coalesce, waitpid catches up.
        timespec ts{1, 0};
        sigtimedwait(&set, &info, &ts);
        for (;;) {
            int wstatus = 0;
            pid_t pid = waitpid(-1, &wstatus, WNOHANG | __WALL);
            if (pid <= 0)
                break;
            int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
            std::lock_guard lock(mu_);
            auto it = watched_.find(pid);
            if (it != watched_.end()) {
                it->second = code;
            } else {
                // Orphans reparented to us, or a spawn not yet watched.
                unclaimed_[pid] = code;
                unclaimed_order_.push_back(pid);
                while (unclaimed_order_.size() > 4096) {
                    unclaimed_.erase(unclaimed_order_.front());
                    unclaimed_order_.pop_front();
                }
            }
            cv_.notify_all();
        }
    }
}

void Reaper::watch(pid_t pid)
{
    std::lock_guard lock(mu_);
    auto it = unclaimed_.find(pid);
    if (it != unclaimed_.end()) {
        watched_[pid] = it->second;
        unclaimed_.erase(it);
    } else {
        watched_.emplace(pid, std::nullopt);
    }
}

void Reaper::forget(pid_t pid)
{
    std::lock_guard lock(mu_);
    watched_.erase(pid);
    cv_.notify_all(); // a waiter on `pid` is done waiting
}

void Reaper::kill_and_reap(pid_t pid)
{
    ::kill(pid, SIGKILL);
    wait(pid);
    forget(pid);
}

std::optional<int> Reaper::wait(pid_t pid, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    auto done = [&] {
        auto it = watched_.find(pid);
        return it == watched_.end() || it->second.has_value();
    };
    if (timeout.count() < 0)
        cv_.wait(lock, done);
    else
        cv_.wait_for(lock, timeout, done);
    auto it = watched_.find(pid);
    return it == watched_.end() ? std::nullopt : it->second;
}

std::optional<int> Reaper::status(pid_t pid)
{
    std::lock_guard lock(mu_);
    auto it = watched_.find(pid);
    return it == watched_.end() ? std::nullopt : it->second;
}

} // namespace guest_init
