#include "client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <system_error>

#include "ttrpc.pb.h"

namespace ttrpc {

Client::Client(int fd) : fd_(fd), reader_([this] { read_loop(); }) {}

Client::~Client()
{
    ::shutdown(fd_, SHUT_RDWR);
    if (reader_.joinable())
        reader_.join();
    ::close(fd_);
}

bool Client::connected() const
{
    std::lock_guard lock(mu_);
    return !closed_;
}

void Client::read_loop()
{
    FrameReader reader(fd_);
    try {
        while (auto h = reader.read_header()) {
            if (h->length > kMaxMessageSize) {
                reader.discard(h->length);
                continue;
            }
            std::string payload = reader.read_payload(h->length);
            if (h->type != static_cast<uint8_t>(MessageType::Response))
                continue;
            RawResponse r;
            ::ttrpc::Response resp;
            if (!resp.ParseFromString(payload)) {
                r.code = Code::DataLoss;
                r.message = "malformed ttrpc response";
            } else {
                r.code = static_cast<Code>(resp.status().code());
                r.message = resp.status().message();
                r.payload = resp.payload();
            }
            std::lock_guard lock(mu_);
            done_[h->stream_id] = std::move(r);
            cv_.notify_all();
        }
    } catch (const std::system_error&) {
    }
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
}

uint32_t Client::next_stream_id()
{
    std::lock_guard lock(mu_);
    uint32_t id = next_stream_;
    next_stream_ += 2;
    return id;
}

void Client::send_frame(const FrameHeader& header, const std::string& payload)
{
    std::lock_guard lock(write_mu_);
    write_frame(fd_, header, payload);
}

void Client::send_bytes(const std::string& bytes)
{
    std::lock_guard lock(write_mu_);
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "ttrpc: write");
        }
        done += static_cast<size_t>(n);
    }
}

std::optional<RawResponse> Client::wait_response(uint32_t stream_id, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    auto ready = [&] { return done_.count(stream_id) || closed_; };
    if (timeout.count() > 0) {
        if (!cv_.wait_for(lock, timeout, ready))
            return std::nullopt;
    } else {
        cv_.wait(lock, ready);
    }
    auto it = done_.find(stream_id);
    if (it == done_.end())
        return std::nullopt;
    RawResponse r = std::move(it->second);
    done_.erase(it);
    return r;
}

std::string encode_request(const std::string& service, const std::string& method, const std::string& payload,
                           std::chrono::milliseconds timeout)
{
    ::ttrpc::Request req;
    req.set_service(service);
    req.set_method(method);
    req.set_payload(payload);
    if (timeout.count() > 0)
        req.set_timeout_nano(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
    return req.SerializeAsString();
}

std::string Client::call(const std::string& service, const std::string& method, const std::string& request,
                         std::chrono::milliseconds timeout)
{
    std::string body = encode_request(service, method, request, timeout);
    if (body.size() > kMaxMessageSize)
        throw RpcError(Code::ResourceExhausted,
                       "request of " + std::to_string(body.size()) + " bytes exceeds the ttrpc limit of 4 MiB");

    uint32_t id;
    {
        // Stream ids must reach the server in increasing order: allocate and
        // send under the write lock.
        std::lock_guard wlock(write_mu_);
        id = next_stream_id();
        try {
            write_frame(
                fd_, FrameHeader{static_cast<uint32_t>(body.size()), id, static_cast<uint8_t>(MessageType::Request), 0},
                body);
        } catch (const std::system_error& e) {
            throw RpcError(Code::Unavailable, std::string("connection to the agent failed: ") + e.what());
        }
    }
    auto r = wait_response(id, timeout);
    if (!r) {
        if (!connected())
            throw RpcError(Code::Unavailable, "the agent closed the connection during " + method);
        throw RpcError(Code::DeadlineExceeded, method + " timed out");
    }
    if (r->code != Code::Ok)
        throw RpcError(r->code, r->message);
    return r->payload;
}

} // namespace ttrpc
