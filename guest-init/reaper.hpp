// PID 1 reaps every process in the guest. One thread waits for SIGCHLD and
// keeps the exit status of the processes someone watches (WaitProcess).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace guest_init {

class Reaper {
public:
    static Reaper& instance();

    // Blocks SIGCHLD in the calling thread; call from main() before any
    // other thread starts, so every thread inherits the mask.
    static void block_sigchld();
    void start();

    // Declares interest in `pid`'s exit status (call right after spawning;
    // a status that arrived earlier is kept for a while).
    void watch(pid_t pid);
    void forget(pid_t pid);
    // For a process that must not run on after a failed set-up: SIGKILL,
    // wait for its exit, forget it.
    void kill_and_reap(pid_t pid);
    // Exit code, or 128 + signal (as the kata-agent reports it). Blocks up
    // to `timeout` (negative: forever); nullopt if still running.
    std::optional<int> wait(pid_t pid, std::chrono::milliseconds timeout = std::chrono::milliseconds{-1});
    std::optional<int> status(pid_t pid);

private:
    void run();

    std::mutex mu_;
    std::condition_variable cv_;
    std::map<pid_t, std::optional<int>> watched_;
    std::map<pid_t, int> unclaimed_;
    std::deque<pid_t> unclaimed_order_;
};

} // namespace guest_init
