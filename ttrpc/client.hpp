// A ttrpc client: many concurrent unary calls over one connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "frame.hpp"
#include "status.hpp"

namespace ttrpc {

struct RawResponse {
    Code code = Code::Ok;
    std::string message;
    std::string payload;
};

// A ttrpc Request envelope, serialized: what Client::call sends, and what
// protocol tests frame by hand. `timeout` 0: none.
std::string encode_request(const std::string& service, const std::string& method, const std::string& payload,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

class Client {
public:
    // Takes ownership of a connected stream fd.
    explicit Client(int fd);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // One unary call. Returns the serialized response; throws RpcError for a
    // non-OK status (DEADLINE_EXCEEDED on timeout, UNAVAILABLE when the
    // connection ends) and never blocks past `timeout` (0 = wait forever).
    std::string call(const std::string& service, const std::string& method, const std::string& request,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

    // Low level, for protocol tests: send any frame, then wait for the
    // answer on a stream id.
    uint32_t next_stream_id();
    void send_frame(const FrameHeader& header, const std::string& payload);
    void send_bytes(const std::string& bytes);
    std::optional<RawResponse> wait_response(uint32_t stream_id, std::chrono::milliseconds timeout);

    bool connected() const;

private:
    void read_loop();

    int fd_;
    std::mutex write_mu_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<uint32_t, RawResponse> done_;
    uint32_t next_stream_ = 1;
    bool closed_ = false;
    std::thread reader_;
};

} // namespace ttrpc
