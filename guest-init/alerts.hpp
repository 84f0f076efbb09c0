// Alerts: enforcer events as JSON lines in KubeArmor's alert format
// (rendered by libkadapter), fanned out to the console, the log channels
// and PolicyService.ReadEvents.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kadapter/kubearmor_alert.hpp"

namespace guest_init {

// The alert format is libkadapter's (kadapter/kubearmor_alert.hpp).
using kadapter::ContainerMeta;
using kadapter::kubearmor_alert;

class AlertLog {
public:
    // Writes every line to `fd` too (not owned). Lines to a failing fd are
    // dropped, never blocking enforcement.
    void add_sink(int fd, const std::string& name);
    void remove_sink(int fd);
    void publish(const std::string& line, const std::string& container_id);

    struct Batch {
        std::vector<std::string> lines;
        uint64_t dropped = 0; // lines that fell out of the buffer unread
    };
    // Lines after what this reader saw last; waits up to `timeout` for one.
    Batch read(const std::string& reader, const std::string& container_id, size_t max,
               std::chrono::milliseconds timeout);

private:
    struct Line {
        uint64_t seq;
        std::string container_id;
        std::string text;
    };
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Line> recent_;
    uint64_t next_seq_ = 1;
    std::map<std::string, uint64_t> cursors_;
    std::map<int, std::string> sinks_;
};

} // namespace guest_init
