// A ttrpc server: unary calls, served concurrently (ReadStdout, WaitProcess
// and GetOOMEvent block for long), on any number of connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "status.hpp"

namespace ttrpc {

// What a handler knows about its call.
class CallContext {
public:
    CallContext(std::shared_ptr<const std::atomic<bool>> closed, int64_t deadline_ns)
        : closed_(std::move(closed)), deadline_ns_(deadline_ns)
    {
    }
    // The client went away: a long-blocking handler should give up.
    bool cancelled() const { return closed_->load(); }
    int64_t deadline_ns() const { return deadline_ns_; } // CLOCK_MONOTONIC, 0 = none

private:
    std::shared_ptr<const std::atomic<bool>> closed_;
    int64_t deadline_ns_;
};

// Takes the serialized request, returns the serialized response, or throws
// RpcError (any other exception becomes INTERNAL).
using Handler = std::function<std::string(const std::string& request, const CallContext& ctx)>;

class Server {
public:
    explicit Server(size_t max_in_flight_per_connection = 256) : max_in_flight_(max_in_flight_per_connection) {}

    void add(const std::string& service, const std::string& method, Handler handler);

    // Serves one stream until it ends. Takes ownership of `fd`; blocks.
    void serve(int fd);

    // Serves a byte stream that outlives its peers (a virtio-serial port):
    // each time the host side closes, in-flight answers of the old session
    // are dropped, stream ids start over, and serving resumes once the host
    // reconnects. Returns only if the port fails.
    void serve_port(int fd);

    // Accepts connections on a listening socket, one thread per
    // connection. Blocks.
    void serve_listener(int listen_fd);

private:
    struct Connection;
    void serve_session(const std::shared_ptr<Connection>& conn);
    void dispatch(const std::shared_ptr<Connection>& conn, uint64_t session,
                  const std::shared_ptr<std::atomic<bool>>& closed, uint32_t stream_id, const std::string& frame);

    size_t max_in_flight_;
    std::mutex mu_;
    std::map<std::pair<std::string, std::string>, Handler> handlers_;
    std::map<std::string, bool> services_;
};

} // namespace ttrpc
