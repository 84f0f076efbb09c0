// Byte streams ttrpc runs over: AF_VSOCK (Kata's default, port 1024),
// hybrid vsock (a unix socket speaking "CONNECT <port>"), unix sockets, and
// virtio-serial ports found by name.
#pragma once

#include <cstdint>
#include <string>

namespace ttrpc {

// An address as Kata writes it: vsock://<cid>:<port>, hvsock://<path>:<port>,
// unix://<path>, serial://<port name> (guest side only). A bare path means
// unix://<path>.
struct Address {
    enum class Kind { Vsock, HybridVsock, Unix, Serial } kind = Kind::Unix;
    uint32_t cid = 0;  // vsock; 0xffffffff (-1) = any
    uint32_t port = 0; // vsock and hybrid vsock
    std::string path;  // unix socket, hybrid vsock socket, or serial port name
};

// Throws std::invalid_argument naming what is wrong.
Address parse_address(const std::string& text);
std::string to_string(const Address& a);

// Client side: a connected stream fd, or throws std::system_error.
int connect_to(const Address& a, int timeout_ms = 5000);

// Server side: a listening socket for vsock/unix, or the opened port for
// serial. Throws std::system_error.
int listen_on(const Address& a);

// The /dev path of the virtio-serial port with this name, or "".
std::string find_serial_port(const std::string& name);

} // namespace ttrpc
