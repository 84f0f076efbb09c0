#include "frame.hpp"

#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ttrpc {
namespace {

void put_u32(unsigned char* p, uint32_t v)
{
    p[0] = static_cast<unsigned char>(v >> 24);
    p[1] = static_cast<unsigned char>(v >> 16);
    p[2] = static_cast<unsigned char>(v >> 8);
    p[3] = static_cast<unsigned char>(v);
}

uint32_t get_u32(const unsigned char* p)
{
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

} // namespace

void encode_header(const FrameHeader& h, unsigned char out[kHeaderSize])
{
    put_u32(out, h.length);
    put_u32(out + 4, h.stream_id);
    out[8] = h.type;
    out[9] = h.flags;
}

FrameHeader decode_header(const unsigned char in[kHeaderSize])
{
    return FrameHeader{get_u32(in), get_u32(in + 4), in[8], in[9]};
}

bool FrameReader::read_exact(void* buf, size_t len, bool eof_ok)
{
    auto* p = static_cast<char*>(buf);
    size_t done = 0;
    while (done < len) {
        ssize_t n = ::read(fd_, p + done, len - done);
        if (n > 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (n == 0) {
            if (done == 0 && eof_ok)
                return false;
            throw std::system_error(EPIPE, std::generic_category(), "ttrpc: stream ended inside a frame");
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) { // a non-blocking port: wait for it
            pollfd pfd{fd_, POLLIN, 0};
            ::poll(&pfd, 1, -1);
            continue;
        }
        throw std::system_error(errno, std::generic_category(), "ttrpc: read");
    }
    return true;
}

std::optional<FrameHeader> FrameReader::read_header()
{
    unsigned char buf[kHeaderSize];
    if (!read_exact(buf, sizeof(buf), true))
        return std::nullopt;
    return decode_header(buf);
}

std::string FrameReader::read_payload(uint32_t length)
{
    std::string out(length, '\0');
    read_exact(out.data(), length, false);
    return out;
}

void FrameReader::discard(uint32_t length)
{
    char buf[64 * 1024];
    while (length > 0) {
        uint32_t chunk = length < sizeof(buf) ? length : sizeof(buf);
        read_exact(buf, chunk, false);
        length -= chunk;
    }
}

void write_frame(int fd, const FrameHeader& h, const std::string& payload)
{
    unsigned char header[kHeaderSize];
    encode_header(h, header);
    iovec iov[2] = {{header, kHeaderSize}, {const_cast<char*>(payload.data()), payload.size()}};
    size_t total = kHeaderSize + payload.size();
    size_t done = 0;
    while (done < total) {
        // Skip what is already written across both buffers.
        iovec cur[2];
        int n_iov = 0;
        size_t skip = done;
        for (auto& v : iov) {
            if (skip >= v.iov_len) {
                skip -= v.iov_len;
                continue;
            }
            cur[n_iov++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
            skip = 0;
        }
        ssize_t n = ::writev(fd, cur, n_iov);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                pollfd pfd{fd, POLLOUT, 0};
                ::poll(&pfd, 1, 1000);
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "ttrpc: write");
        }
        done += static_cast<size_t>(n);
    }
}

} // namespace ttrpc
