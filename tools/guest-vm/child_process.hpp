// A child program (QEMU, virtiofsd) owned like any other resource: started
// in a process group of its own with its output in a log file, and killed
// (the whole group) and reaped when its owner goes, on every path out,
// exceptions included.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kadapter::vm {

class ChildProcess {
public:
    ChildProcess() = default;
    // Runs args[0] (searched on PATH) with stdin on /dev/null and stdout and
    // stderr in `log`. Throws std::runtime_error if it cannot fork; a program
    // that cannot be executed exits with status 127 and says why in `log`.
    ChildProcess(const std::vector<std::string>& args, const std::string& log);
    ~ChildProcess() { stop(); }
    ChildProcess(ChildProcess&& o) noexcept;
    ChildProcess& operator=(ChildProcess&& o) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    explicit operator bool() const { return pid_ > 0; }
    // False once it has exited (and been reaped).
    bool running();
    // Its wait status, once it has exited.
    std::optional<int> status() const { return status_; }
    // Waits up to `timeout` for it to exit; true if it did.
    bool wait_for(std::chrono::milliseconds timeout);
    // SIGTERM to the group, then SIGKILL after `grace`; reaps it.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(1000));

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// "exited with status 1", "killed by signal 6 (Aborted)".
std::string describe_wait_status(int status);

} // namespace kadapter::vm
