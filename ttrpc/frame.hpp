// ttrpc framing (containerd/ttrpc PROTOCOL.md). Written by hand because no
// Debian package implements ttrpc for C++: it exists only in Go and Rust.
//
// A frame is a 10-byte big-endian header followed by the payload:
//   u32 length | u32 stream id | u8 type | u8 flags
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ttrpc {

constexpr uint32_t kMaxMessageSize = 4u << 20; // 4 MiB, as in ttrpc-go and ttrpc-rust
constexpr size_t kHeaderSize = 10;

enum class MessageType : uint8_t { Request = 1, Response = 2, Data = 3 };

enum FrameFlags : uint8_t {
    kFlagRemoteClosed = 0x1, // requests/data: the client sends nothing more
    kFlagRemoteOpen = 0x2,   // requests: a stream follows (not unary)
    kFlagNoData = 0x4,       // data: no payload
};

struct FrameHeader {
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type = 0;
    uint8_t flags = 0;
};

void encode_header(const FrameHeader& h, unsigned char out[kHeaderSize]);
FrameHeader decode_header(const unsigned char in[kHeaderSize]);

// Blocking frame I/O on a stream fd. Errors are reported as exceptions of
// type std::system_error; a clean end of stream as an empty optional.
class FrameReader {
public:
    explicit FrameReader(int fd) : fd_(fd) {}
    // Reads the next header; nullopt at end of stream.
    std::optional<FrameHeader> read_header();
    // Reads `length` payload bytes.
    std::string read_payload(uint32_t length);
    // Reads and throws away `length` bytes (oversized frames), so the
    // stream stays in step.
    void discard(uint32_t length);

private:
    bool read_exact(void* buf, size_t len, bool eof_ok);
    int fd_;
};

// Writes one whole frame (header and payload) or throws.
void write_frame(int fd, const FrameHeader& h, const std::string& payload);

} // namespace ttrpc
