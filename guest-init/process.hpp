// A process run for the host: its stdio (pipes, or one pty) buffered for
// ReadStdout/ReadStderr/WriteStdin, and its exit status.
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

#include "kadapter/unique_fd.hpp"

namespace guest_init {

// Output of one pipe, read by its own thread into a bounded buffer (a full
// buffer stops the reader, which back-pressures the process).
class OutputStream {
public:
    explicit OutputStream(kadapter::UniqueFd fd);
    ~OutputStream();

    // Up to `max` bytes; blocks until there is data or the stream ended.
    // Empty means end of stream. `cancelled` is polled while waiting.
    std::string read(size_t max, const std::function<bool()>& cancelled);
    // After the process exited, the stream ends at the latest `grace` later
    // even if a leftover child keeps the pipe open (the kata-agent waits
    // 500 ms).
    void process_exited(std::chrono::milliseconds grace);

private:
    void run();

    kadapter::UniqueFd fd_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::string buffer_;
    bool eof_ = false;
    std::optional<std::chrono::steady_clock::time_point> end_by_;
    std::thread reader_;
};

struct Stdio {
    kadapter::UniqueFd stdin_write; // parent's end
    kadapter::UniqueFd stdout_read;
    kadapter::UniqueFd stderr_read;
    kadapter::UniqueFd pty_master; // when a terminal was asked for
    // The child's ends, closed in the parent once the child has them.
    kadapter::UniqueFd child_stdin, child_stdout, child_stderr;

    static Stdio pipes();
    static Stdio terminal(uint32_t rows, uint32_t cols);
};

class Process {
public:
    Process(std::string exec_id, pid_t pid, Stdio stdio);
    ~Process();

    const std::string& exec_id() const { return exec_id_; }
    pid_t pid() const { return pid_; }
    bool terminal() const { return terminal_; }

    std::optional<int> exit_status();
    int wait(const std::function<bool()>& cancelled = {});
    bool signal(int sig);

    // stream 1 = stdout, 2 = stderr
    std::string read(int stream, size_t max, const std::function<bool()>& cancelled);
    size_t write_stdin(const std::string& data);
    void close_stdin();
    void resize(uint32_t rows, uint32_t cols);

private:
    void watch_exit();

    std::string exec_id_;
    pid_t pid_;
    bool terminal_;
    std::mutex stdin_mu_;
    kadapter::UniqueFd stdin_;
    kadapter::UniqueFd pty_; // for resize; its read side belongs to stdout_
    std::unique_ptr<OutputStream> stdout_;
    std::unique_ptr<OutputStream> stderr_;
    std::thread exit_watcher_;
};

} // namespace guest_init
