// Alerts: enforcer events as JSON lines in KubeArmor's alert format (the
// CamelCase field names karmor and the relay emit), fanned out to the
// console, the log channels and PolicyService.ReadEvents.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kadapter/event.hpp"

namespace guest_init {

// What an alert says about the container besides the event itself.
struct ContainerMeta {
    std::string container_id;
    std::string container_name;
    std::string pod_name;
    std::string namespace_;
    std::string image;
    std::string labels; // "k=v,k=v"
};

std::string kubearmor_alert(const kadapter::Event& e, const ContainerMeta& meta, const std::string& hostname);

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
