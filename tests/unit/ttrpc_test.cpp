// ttrpc framing and the server's protocol rules, over a socketpair.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "ttrpc/client.hpp"
#include "ttrpc/frame.hpp"
#include "ttrpc/server.hpp"
#include "ttrpc/transport.hpp"

using namespace ttrpc;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    Server server;
    std::unique_ptr<Client> client;
    std::thread serving;
    std::atomic<bool> release{false};

    Fixture()
    {
        server.add("test.Echo", "Echo", [](const std::string& req, const CallContext&) { return req; });
        server.add("test.Echo", "Fail", [](const std::string&, const CallContext&) -> std::string {
            throw RpcError(Code::FailedPrecondition, "not now");
        });
        server.add("test.Echo", "Block", [this](const std::string&, const CallContext& ctx) {
            while (!release && !ctx.cancelled())
                std::this_thread::sleep_for(5ms);
            return std::string("released");
        });
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
        serving = std::thread([this, fd = sv[0]] { server.serve(fd); });
        client = std::make_unique<Client>(sv[1]);
    }
    ~Fixture()
    {
        release = true;
        client.reset();
        serving.join();
    }
};

} // namespace

TEST_CASE("frame headers are 10 big-endian bytes")
{
    unsigned char buf[kHeaderSize];
    encode_header({0x01020304, 0x0a0b0c0d, 1, 0}, buf);
    const unsigned char expect[] = {1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 1, 0};
    CHECK(std::equal(buf, buf + kHeaderSize, expect));
    auto h = decode_header(buf);
    CHECK(h.length == 0x01020304);
    CHECK(h.stream_id == 0x0a0b0c0d);
}

TEST_CASE("unary calls, errors and unknown names")
{
    Fixture f;
    CHECK(f.client->call("test.Echo", "Echo", "hello", 5s) == "hello");
    try {
        f.client->call("test.Echo", "Fail", "", 5s);
        FAIL("no error");
    } catch (const RpcError& e) {
        CHECK(e.code() == Code::FailedPrecondition);
        CHECK(std::string(e.what()) == "not now");
    }
    try {
        f.client->call("test.Nope", "Echo", "", 5s);
        FAIL("no error");
    } catch (const RpcError& e) {
        CHECK(e.code() == Code::Unimplemented);
        CHECK(std::string(e.what()) == "service test.Nope");
    }
    try {
        f.client->call("test.Echo", "Nope", "", 5s);
        FAIL("no error");
    } catch (const RpcError& e) {
        CHECK(e.code() == Code::Unimplemented);
        CHECK(std::string(e.what()) == "method Nope");
    }
}

TEST_CASE("a blocked call does not stall the others")
{
    Fixture f;
    std::thread blocked([&] { CHECK(f.client->call("test.Echo", "Block", "", 10s) == "released"); });
    std::this_thread::sleep_for(50ms);
    for (int i = 0; i < 20; ++i)
        CHECK(f.client->call("test.Echo", "Echo", std::to_string(i), 2s) == std::to_string(i));
    f.release = true;
    blocked.join();
}

TEST_CASE("oversized frames are refused without losing the stream")
{
    Fixture f;
    uint32_t id = f.client->next_stream_id();
    std::string big(kMaxMessageSize + 1, 'x');
    f.client->send_frame({static_cast<uint32_t>(big.size()), id, 1, 0}, big);
    auto r = f.client->wait_response(id, 5s);
    REQUIRE(r);
    CHECK(r->code == Code::ResourceExhausted);
    CHECK(f.client->call("test.Echo", "Echo", "still here", 5s) == "still here");
}

TEST_CASE("stream ids must be odd and increasing, garbage is answered")
{
    Fixture f;
    auto body = ttrpc::encode_request("test.Echo", "Echo", "x");
    f.client->send_frame({static_cast<uint32_t>(body.size()), 2, 1, 0}, body);
    auto even = f.client->wait_response(2, 5s);
    REQUIRE(even);
    CHECK(even->code == Code::InvalidArgument);

    f.client->send_frame({static_cast<uint32_t>(body.size()), 101, 1, 0}, body);
    REQUIRE(f.client->wait_response(101, 5s)->code == Code::Ok);
    f.client->send_frame({static_cast<uint32_t>(body.size()), 51, 1, 0}, body);
    auto reused = f.client->wait_response(51, 5s);
    REQUIRE(reused);
    CHECK(reused->code == Code::InvalidArgument);

    std::string junk = "\xff\xff\xff not protobuf";
    f.client->send_frame({static_cast<uint32_t>(junk.size()), 103, 1, 0}, junk);
    auto garbage = f.client->wait_response(103, 5s);
    REQUIRE(garbage);
    CHECK(garbage->code == Code::InvalidArgument);

    f.client->send_frame({static_cast<uint32_t>(body.size()), 105, 1, kFlagRemoteOpen}, body);
    auto streaming = f.client->wait_response(105, 5s);
    REQUIRE(streaming);
    CHECK(streaming->code == Code::Unimplemented);
}

TEST_CASE("addresses as Kata writes them")
{
    auto v = parse_address("vsock://-1:1024");
    CHECK(v.kind == Address::Kind::Vsock);
    CHECK(v.cid == 0xffffffffu);
    CHECK(v.port == 1024);
    auto h = parse_address("hvsock:///run/vc/kata.hvsock:1024");
    CHECK(h.kind == Address::Kind::HybridVsock);
    CHECK(h.path == "/run/vc/kata.hvsock");
    CHECK(parse_address("unix:///tmp/a.sock").path == "/tmp/a.sock");
    CHECK(parse_address("serial://agent.channel.0").kind == Address::Kind::Serial);
    CHECK_THROWS_AS(parse_address("tcp://1.2.3.4:5"), std::invalid_argument);
    CHECK_THROWS_AS(parse_address("vsock://x:1"), std::invalid_argument);
    CHECK_THROWS_AS(parse_address("vsock://3"), std::invalid_argument);
}
