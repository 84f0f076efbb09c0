#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "reaper.hpp"

namespace guest_init {
namespace {

constexpr size_t kMaxBuffered = 1 << 20;

std::pair<kadapter::UniqueFd, kadapter::UniqueFd> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    return {kadapter::UniqueFd(fds[0]), kadapter::UniqueFd(fds[1])};
}

} // namespace

OutputStream::OutputStream(kadapter::UniqueFd fd) : fd_(std::move(fd)), reader_([this] { run(); }) {}

OutputStream::~OutputStream()
{
    {
        std::lock_guard lock(mu_);
        eof_ = true;
        cv_.notify_all();
    }
    if (reader_.joinable())
        reader_.join();
}

void OutputStream::run()
{
    char buf[16 * 1024];
    for (;;) {
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return eof_ || buffer_.size() < kMaxBuffered; });
            if (eof_ || (end_by_ && std::chrono::steady_clock::now() >= *end_by_)) {
                eof_ = true;
                cv_.notify_all();
                return;
            }
        }
        // Poll with a timeout so the exit grace period and shutdown are seen.
        pollfd pfd{fd_.get(), POLLIN, 0};
        int n = ::poll(&pfd, 1, 100);
        if (n == 0 || (n < 0 && errno == EINTR))
            continue;
        ssize_t r = n > 0 ? ::read(fd_.get(), buf, sizeof(buf)) : -1;
        std::lock_guard lock(mu_);
        if (r > 0) {
            buffer_.append(buf, static_cast<size_t>(r));
        } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
            eof_ = true; // EOF, or EIO from a pty whose last slave closed
        }
        cv_.notify_all();
        if (eof_)
            return;
    }
}

std::string OutputStream::read(size_t max, const std::function<bool()>& cancelled)
{
    std::unique_lock lock(mu_);
    for (;;) {
        if (!buffer_.empty()) {
            size_t n = std::min(max == 0 ? buffer_.size() : max, buffer_.size());
            std::string out = buffer_.substr(0, n);
            buffer_.erase(0, n);
            cv_.notify_all();
            return out;
        }
        if (eof_)
            return {};
        cv_.wait_for(lock, std::chrono::milliseconds(200));
        if (cancelled && cancelled())
            return {};
    }
}

void OutputStream::process_exited(std::chrono::milliseconds grace)
{
    std::lock_guard lock(mu_);
    end_by_ = std::chrono::steady_clock::now() + grace;
    cv_.notify_all();
}

Stdio Stdio::pipes()
{
    Stdio s;
    auto [in_r, in_w] = make_pipe();
    auto [out_r, out_w] = make_pipe();
    auto [err_r, err_w] = make_pipe();
    s.stdin_write = std::move(in_w);
    s.child_stdin = std::move(in_r);
    s.stdout_read = std::move(out_r);
    s.child_stdout = std::move(out_w);
    s.stderr_read = std::move(err_r);
    s.child_stderr = std::move(err_w);
    return s;
}

Stdio Stdio::terminal(uint32_t rows, uint32_t cols)
{
    Stdio s;
    kadapter::UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master || ::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0)
        throw std::system_error(errno, std::generic_category(), "allocating a pty");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof(name)) != 0)
        throw std::system_error(errno, std::generic_category(), "ptsname");
    kadapter::UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave)
        throw std::system_error(errno, std::generic_category(), std::string("open ") + name);
    if (rows && cols) {
        winsize ws{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
        ::ioctl(master.get(), TIOCSWINSZ, &ws);
    }
    s.child_stdin.reset(::dup(slave.get()));
    s.child_stdout.reset(::dup(slave.get()));
    s.child_stderr = std::move(slave);
    s.stdin_write.reset(::dup(master.get()));
    s.stdout_read.reset(::dup(master.get()));
    s.pty_master = std::move(master);
    return s;
}

Process::Process(std::string exec_id, pid_t pid, Stdio stdio)
    : exec_id_(std::move(exec_id)), pid_(pid), terminal_(static_cast<bool>(stdio.pty_master))
{
    stdio.child_stdin.reset();
    stdio.child_stdout.reset();
    stdio.child_stderr.reset();
    stdin_ = std::move(stdio.stdin_write);
    pty_ = std::move(stdio.pty_master);
    stdout_ = std::make_unique<OutputStream>(std::move(stdio.stdout_read));
    if (stdio.stderr_read)
        stderr_ = std::make_unique<OutputStream>(std::move(stdio.stderr_read));
    exit_watcher_ = std::thread([this] { watch_exit(); });
}

Process::~Process()
{
    Reaper::instance().forget(pid_); // wakes the watcher
    if (exit_watcher_.joinable())
        exit_watcher_.join();
}

void Process::watch_exit()
{
    if (Reaper::instance().wait(pid_)) {
        stdout_->process_exited(std::chrono::milliseconds(500));
        if (stderr_)
            stderr_->process_exited(std::chrono::milliseconds(500));
    }
}

std::optional<int> Process::exit_status()
{
    return Reaper::instance().status(pid_);
}

int Process::wait(const std::function<bool()>& cancelled)
{
    for (;;) {
        if (auto s = Reaper::instance().wait(pid_, std::chrono::milliseconds(200)))
            return *s;
        if (cancelled && cancelled())
            return -1;
    }
}

bool Process::signal(int sig)
{
    if (exit_status())
        return false;
    return ::kill(pid_, sig) == 0;
}

std::string Process::read(int stream, size_t max, const std::function<bool()>& cancelled)
{
    if (stream == 2) {
        if (!stderr_) // a terminal has one stream: stderr ends at once
            return {};
        return stderr_->read(max, cancelled);
    }
    return stdout_->read(max, cancelled);
}

size_t Process::write_stdin(const std::string& data)
{
    std::lock_guard lock(stdin_mu_);
    if (!stdin_)
        throw std::system_error(EPIPE, std::generic_category(), "stdin is closed");
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(stdin_.get(), data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (done > 0)
                break;
            throw std::system_error(errno, std::generic_category(), "writing stdin");
        }
        done += static_cast<size_t>(n);
    }
    return done;
}

void Process::close_stdin()
{
    std::lock_guard lock(stdin_mu_);
    if (terminal_ && stdin_) {
        // A pty has no half-close: send EOF (^D) as a terminal would.
        char eof = 4;
        (void)::write(stdin_.get(), &eof, 1);
    }
    stdin_.reset();
}

void Process::resize(uint32_t rows, uint32_t cols)
{
    if (!pty_)
        throw std::system_error(ENOTTY, std::generic_category(), "the process has no terminal");
    winsize ws{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
    if (::ioctl(pty_.get(), TIOCSWINSZ, &ws) != 0)
        throw std::system_error(errno, std::generic_category(), "TIOCSWINSZ");
}

} // namespace guest_init
