#include "alerts.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace guest_init {
namespace {

constexpr size_t kRecentLines = 4096;

} // namespace

void AlertLog::add_sink(int fd, const std::string& name)
{
    std::lock_guard lock(mu_);
    sinks_[fd] = name;
}

void AlertLog::remove_sink(int fd)
{
    std::lock_guard lock(mu_);
    sinks_.erase(fd);
}

void AlertLog::publish(const std::string& line, const std::string& container_id)
{
    std::lock_guard lock(mu_);
    recent_.push_back({next_seq_++, container_id, line});
    while (recent_.size() > kRecentLines)
        recent_.pop_front();
    std::string out = line + "\n";
    for (auto it = sinks_.begin(); it != sinks_.end();) {
        // Never let a stalled log reader slow the hooks' consumer down.
        pollfd pfd{it->first, POLLOUT, 0};
        bool ok = ::poll(&pfd, 1, 0) > 0 && !(pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
                  ::write(it->first, out.data(), out.size()) == static_cast<ssize_t>(out.size());
        (void)ok;
        ++it;
    }
    cv_.notify_all();
}

AlertLog::Batch AlertLog::read(const std::string& reader, const std::string& container_id, size_t max,
                               std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    uint64_t& cursor = cursors_[reader];
    auto pending = [&] { return !recent_.empty() && recent_.back().seq > cursor; };
    if (!pending() && timeout.count() > 0)
        cv_.wait_for(lock, timeout, pending);
    Batch b;
    if (!recent_.empty() && recent_.front().seq > cursor + 1 && cursor != 0)
        b.dropped = recent_.front().seq - cursor - 1;
    for (const auto& l : recent_) {
        if (l.seq <= cursor)
            continue;
        if (max && b.lines.size() >= max)
            break;
        cursor = l.seq;
        if (container_id.empty() || l.container_id == container_id)
            b.lines.push_back(l.text);
    }
    return b;
}

} // namespace guest_init
