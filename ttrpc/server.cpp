#include "server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "frame.hpp"
#include "ttrpc.pb.h"

namespace ttrpc {
namespace {

int64_t monotonic_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

} // namespace

const char* to_string(Code c)
{
    static const char* names[] = {
        "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
        "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED"};
    int i = static_cast<int>(c);
    return i >= 0 && i <= 16 ? names[i] : "UNKNOWN";
}

// One byte stream. A session is one host-side connection on it; answers
// are only written into the session that asked.
struct Server::Connection {
    explicit Connection(int fd) : fd(fd) {}
    ~Connection() { ::close(fd); }

    // Writes a whole frame unless the session is over. Holding the lock
    // for the whole frame keeps concurrent answers from interleaving.
    void send(uint64_t for_session, uint32_t stream_id, MessageType type, const std::string& payload)
    {
        std::lock_guard lock(write_mu);
        if (session.load() != for_session || closed->load())
            return;
        FrameHeader h{static_cast<uint32_t>(payload.size()), stream_id, static_cast<uint8_t>(type), 0};
        try {
            write_frame(fd, h, payload);
        } catch (const std::system_error& e) {
            spdlog::debug("ttrpc: dropping the answer to stream {}: {}", stream_id, e.what());
        }
    }

    void respond(uint64_t for_session, uint32_t stream_id, Code code, const std::string& message,
                 const std::string& payload = {})
    {
        ::ttrpc::Response resp;
        resp.mutable_status()->set_code(static_cast<int>(code));
        if (code != Code::Ok)
            resp.mutable_status()->set_message(message);
        else
            resp.set_payload(payload);
        send(for_session, stream_id, MessageType::Response, resp.SerializeAsString());
    }

    const int fd;
    bool is_port = false; // a virtio-serial port: sessions have no visible boundaries
    std::mutex write_mu;
    std::atomic<uint64_t> session{0};
    std::shared_ptr<std::atomic<bool>> closed = std::make_shared<std::atomic<bool>>(false);
    std::atomic<size_t> in_flight{0};
};

void Server::add(const std::string& service, const std::string& method, Handler handler)
{
    std::lock_guard lock(mu_);
    handlers_[{service, method}] = std::move(handler);
    services_[service] = true;
}

void Server::dispatch(const std::shared_ptr<Connection>& conn, uint64_t session,
                      const std::shared_ptr<std::atomic<bool>>& closed, uint32_t stream_id, const std::string& frame)
{
    ::ttrpc::Request req;
    if (!req.ParseFromString(frame)) {
        conn->respond(session, stream_id, Code::InvalidArgument, "malformed ttrpc request");
        return;
    }
    Handler handler;
    {
        std::lock_guard lock(mu_);
        if (!services_.count(req.service())) {
            conn->respond(session, stream_id, Code::Unimplemented, "service " + req.service());
            return;
        }
        auto it = handlers_.find({req.service(), req.method()});
        if (it == handlers_.end()) {
            conn->respond(session, stream_id, Code::Unimplemented, "method " + req.method());
            return;
        }
        handler = it->second;
    }

    int64_t deadline = req.timeout_nano() > 0 ? monotonic_ns() + req.timeout_nano() : 0;
    CallContext ctx(closed, deadline);
    try {
        std::string out = handler(req.payload(), ctx);
        conn->respond(session, stream_id, Code::Ok, {}, out);
    } catch (const RpcError& e) {
        spdlog::debug("ttrpc: {}.{} -> {}: {}", req.service(), req.method(), to_string(e.code()), e.what());
        conn->respond(session, stream_id, e.code(), e.what());
    } catch (const std::exception& e) {
        spdlog::error("ttrpc: {}.{} failed: {}", req.service(), req.method(), e.what());
        conn->respond(session, stream_id, Code::Internal, e.what());
    }
}

void Server::serve_session(const std::shared_ptr<Connection>& conn)
{
    uint64_t session;
    std::shared_ptr<std::atomic<bool>> closed;
    {
        std::lock_guard lock(conn->write_mu);
        session = conn->session.load();
        closed = conn->closed;
    }
    FrameReader reader(conn->fd);
    uint32_t last_stream = 0;

    try {
        while (auto h = reader.read_header()) {
            if (h->length > kMaxMessageSize) {
                // Skip the payload so the next frame is read in step.
                reader.discard(h->length);
                if (h->type == static_cast<uint8_t>(MessageType::Request))
                    conn->respond(session, h->stream_id, Code::ResourceExhausted,
                                  "message length " + std::to_string(h->length) +
                                      " exceeds the maximum message size of " + std::to_string(kMaxMessageSize));
                continue;
            }
            std::string payload = reader.read_payload(h->length);
            if (h->type != static_cast<uint8_t>(MessageType::Request)) {
                spdlog::debug("ttrpc: ignoring a frame of type {} on stream {}", h->type, h->stream_id);
                continue;
            }
            if (h->stream_id % 2 == 0) {
                conn->respond(session, h->stream_id, Code::InvalidArgument,
                              "StreamID must be odd for client initiated streams");
                continue;
            }
            if (conn->is_port && h->stream_id == 1 && last_stream != 0) {
                // Every ttrpc client starts at stream 1: on a port, where a
                // host disconnect and reconnect can go unseen, that marks a
                // new host session. Answers still owed to the old one are
                // dropped.
                std::lock_guard lock(conn->write_mu);
                conn->closed->store(true);
                conn->closed = std::make_shared<std::atomic<bool>>(false);
                session = ++conn->session;
                closed = conn->closed;
                last_stream = 0;
            }
            if (h->stream_id <= last_stream) {
                conn->respond(session, h->stream_id, Code::InvalidArgument,
                              "StreamID cannot be re-used and must increment");
                continue;
            }
            last_stream = h->stream_id;
            if (h->flags & kFlagRemoteOpen) {
                conn->respond(session, h->stream_id, Code::Unimplemented, "streaming calls are not supported");
                continue;
            }
            if (conn->in_flight.load() >= max_in_flight_) {
                conn->respond(session, h->stream_id, Code::ResourceExhausted,
                              "too many calls in flight on this connection");
                continue;
            }
            ++conn->in_flight;
            std::thread([this, conn, session, closed, stream = h->stream_id, frame = std::move(payload)] {
                dispatch(conn, session, closed, stream, frame);
                --conn->in_flight;
            }).detach();
        }
    } catch (const std::system_error& e) {
        spdlog::debug("ttrpc: connection ended: {}", e.what());
    }
}

void Server::serve(int fd)
{
    auto conn = std::make_shared<Connection>(fd);
    conn->session = 1;
    serve_session(conn);
    {
        std::lock_guard lock(conn->write_mu);
        conn->closed->store(true);
    }
    ::shutdown(fd, SHUT_RDWR);
}

void Server::serve_port(int fd)
{
    // Non-blocking, so an answer to a departed host cannot block until the
    // next host connects and then land in its session.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    auto conn = std::make_shared<Connection>(fd);
    conn->is_port = true;
    for (;;) {
        {
            std::lock_guard lock(conn->write_mu);
            conn->closed = std::make_shared<std::atomic<bool>>(false);
            ++conn->session;
        }
        serve_session(conn);
        {
            std::lock_guard lock(conn->write_mu);
            conn->closed->store(true);
        }
        // The host side is gone: POLLHUP until it comes back.
        for (;;) {
            pollfd pfd{fd, POLLIN, 0};
            int n = ::poll(&pfd, 1, 100);
            if (n < 0 && errno != EINTR)
                return;
            if (n > 0 && !(pfd.revents & POLLHUP))
                break;
            if (n == 0)
                continue;
            ::usleep(50 * 1000);
        }
    }
}

void Server::serve_listener(int listen_fd)
{
    for (;;) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE) {
                ::usleep(100 * 1000);
                continue;
            }
            spdlog::error("ttrpc: accept failed: {}", std::strerror(errno));
            return;
        }
        std::thread([this, fd] { serve(fd); }).detach();
    }
}

} // namespace ttrpc
