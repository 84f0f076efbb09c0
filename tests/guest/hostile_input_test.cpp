// What a broken or hostile host sends to kadapter-init: malformed frames,
// oversized frames, unknown methods, garbage protobuf, and CreateContainer
// requests that must not run anything. Each gets the right gRPC status, the
// agent keeps serving, and no container is left behind. Sent on the second
// agent port, as a separate client, while the suite's session stays up.
#include <catch2/catch.hpp>

#include "agent_client.hpp"
#include "guest_suite.hpp"
#include "ttrpc/status.hpp"

using namespace kadapter::testing;
using namespace std::chrono_literals;

namespace {

// Sends one raw request frame and returns the status code of the answer.
ttrpc::Code send(ttrpc::Client& c, const std::string& body, uint8_t flags = 0)
{
    uint32_t id = c.next_stream_id();
    c.send_frame({static_cast<uint32_t>(body.size()), id, 1, flags}, body);
    auto r = c.wait_response(id, 20s);
    REQUIRE(r);
    return r->code;
}

ttrpc::Code create(kadapter::agent::AgentClient& client, const grpc::CreateContainerRequest& req)
{
    try {
        client.create_container(req);
        return ttrpc::Code::Ok;
    } catch (const ttrpc::RpcError& e) {
        return e.code();
    }
}

} // namespace

TEST_CASE("hostile frames and requests get the right status; the agent serves on and runs nothing")
{
    auto& g = Guest::get();
    kadapter::agent::AgentClient tools(g.vm().tools_address(), 30s);
    auto& c = tools.raw();

    // Frames: oversized (the stream stays in step), garbage, streaming.
    std::string big(ttrpc::kMaxMessageSize + 1, 'x');
    CHECK(send(c, big) == ttrpc::Code::ResourceExhausted);
    CHECK(send(c, "\xff\xff\xff not a ttrpc request") == ttrpc::Code::InvalidArgument);
    CHECK(send(c, ttrpc::encode_request("grpc.AgentService", "CreateContainer", ""), ttrpc::kFlagRemoteOpen) ==
          ttrpc::Code::Unimplemented);
    // Names: unknown service, unknown method, a real method of Kata's we do not serve.
    CHECK(send(c, ttrpc::encode_request("evil.Service", "Pwn", "")) == ttrpc::Code::Unimplemented);
    CHECK(send(c, ttrpc::encode_request("grpc.AgentService", "Pwn", "")) == ttrpc::Code::Unimplemented);
    CHECK(send(c, ttrpc::encode_request("grpc.AgentService", "SetIPTables", "")) == ttrpc::Code::Unimplemented);
    // Payloads that are not the request message.
    CHECK(send(c, ttrpc::encode_request("grpc.AgentService", "CreateContainer", "\xff\xff\xff\xff garbage")) ==
          ttrpc::Code::InvalidArgument);
    CHECK(send(c, ttrpc::encode_request("kadapter.PolicyService", "UpdatePolicy", "\x0a\xff\xff\xff\x0f")) ==
          ttrpc::Code::InvalidArgument);

    // CreateContainer requests that must run nothing.
    PodOptions plain;
    auto no_process = g.spec("hostile-1", plain).request("hostile-1");
    no_process.mutable_oci()->clear_process();
    CHECK(create(tools, no_process) == ttrpc::Code::InvalidArgument);

    auto escape_cgroup = g.spec("hostile-2", plain).request("hostile-2");
    escape_cgroup.mutable_oci()->mutable_linux()->set_cgroupspath("/../../sys/fs/bpf");
    CHECK(create(tools, escape_cgroup) == ttrpc::Code::InvalidArgument);

    auto bad_id = g.spec("../hostile", plain).request("../hostile");
    CHECK(create(tools, bad_id) == ttrpc::Code::InvalidArgument);

    PodOptions broken_policy;
    broken_policy.policy = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nspec: [";
    auto bad_policy = g.spec("hostile-3", broken_policy).request("hostile-3");
    CHECK(create(tools, bad_policy) == ttrpc::Code::InvalidArgument);

    PodOptions huge_annotation;
    huge_annotation.annotations["io.katacontainers.kadapter.policy"] = "kadapter:v1:" + std::string(300000, 'A');
    auto bomb = g.spec("hostile-4", huge_annotation).request("hostile-4");
    CHECK(create(tools, bomb) == ttrpc::Code::InvalidArgument);

    // A storage over what enforcement stands on: the cgroup hierarchy.
    auto cover_cgroups = g.spec("hostile-5", plain).request("hostile-5");
    auto* tmpfs = cover_cgroups.add_storages();
    tmpfs->set_driver("ephemeral");
    tmpfs->set_source("tmpfs");
    tmpfs->set_mount_point("/run/kata-containers/../../sys/fs/cgroup");
    CHECK(create(tools, cover_cgroups) == ttrpc::Code::InvalidArgument);

    // Still serving, on both connections, with none of those containers.
    CHECK(tools.check().status() == grpc::HealthCheckResponse::SERVING);
    CHECK(g.agent().check().status() == grpc::HealthCheckResponse::SERVING);
    auto listed = g.agent().list_containers();
    for (const auto& ctr : listed.containers())
        CHECK(ctr.container_id().rfind("hostile", 0) != 0);
    // And it still runs a container.
    g.start_pod("hostile-ok", plain);
    CHECK(g.run("hostile-ok", {"echo", "fine"}).out == "fine\n");
    g.remove("hostile-ok");
}
