// Kata storages: a container whose rootfs is on the sandbox's 9p share (as
// Kata's runtime shares it from the host), with an ephemeral tmpfs volume,
// under a policy; the same over virtio-fs, with a local volume two
// containers share; and storages the guest cannot mount refused up front.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "guest_suite.hpp"
#include "ttrpc/status.hpp"

using namespace kadapter::testing;
namespace fs = std::filesystem;

namespace {

// A minimal rootfs in the host's shared directory: busybox (static) with
// the applets the test runs, and two data files.
void make_shared_rootfs(const fs::path& rootfs)
{
    fs::create_directories(rootfs / "bin");
    fs::create_directories(rootfs / "data");
    fs::copy_file("/bin/busybox", rootfs / "bin/busybox", fs::copy_options::overwrite_existing);
    for (const char* applet : {"sh", "cat", "echo", "sleep", "stat"})
        if (!fs::exists(fs::symlink_status(rootfs / "bin" / applet)))
            fs::create_symlink("busybox", rootfs / "bin" / applet);
    std::ofstream(rootfs / "data/public.txt") << "from the host\n";
    std::ofstream(rootfs / "data/secret.txt") << "host secret\n";
}

grpc::Storage ephemeral(const std::string& mount_point)
{
    grpc::Storage s;
    s.set_driver("ephemeral");
    s.set_source("tmpfs");
    s.set_fstype("tmpfs");
    s.add_options("size=1m");
    s.set_mount_point(mount_point);
    return s;
}

grpc::Storage local(const std::string& mount_point, const std::string& mode)
{
    grpc::Storage s;
    s.set_driver("local");
    s.set_source("local");
    s.set_fstype("local");
    s.add_options("mode=" + mode);
    s.set_mount_point(mount_point);
    return s;
}

} // namespace

TEST_CASE("a container on the sandbox's 9p share, with an ephemeral volume, under its policy")
{
    auto& g = Guest::get();
    make_shared_rootfs(fs::path(g.shared_dir()) / "st-9p/rootfs");

    PodOptions o = pod("st", ksp("st-block-secret", R"(file:
  matchPaths:
    - path: /data/secret.txt
action: Block)"));
    o.service_account = false;
    auto spec = g.spec("st-9p", o);
    spec.mount("/run/kata-containers/sandbox/ephemeral/st-scratch", "/scratch", "bind", {"rbind", "rw"});
    auto req = spec.request("st-9p");
    req.mutable_oci()->mutable_root()->set_path(std::string(kSharedMountPoint) + "/st-9p/rootfs");
    *req.add_storages() = ephemeral("/run/kata-containers/sandbox/ephemeral/st-scratch");
    g.agent().create_container(req);
    g.agent().start_container("st-9p");

    CHECK(g.run("st-9p", {"cat", "/data/public.txt"}).out == "from the host\n");
    auto secret = g.run("st-9p", {"cat", "/data/secret.txt"});
    CHECK(secret.status == 1);
    CHECK(secret.err.find("Permission denied") != std::string::npos);
    CHECK(g.run("st-9p", {"sh", "-c", "echo scratch > /scratch/f && cat /scratch/f"}).out == "scratch\n");
    g.remove("st-9p");
}

TEST_CASE("a storage the guest cannot mount fails CreateContainer and mounts nothing")
{
    auto& g = Guest::get();
    PodOptions o;
    auto req = g.spec("st-bad", o).request("st-bad");
    *req.add_storages() = ephemeral("/run/kata-containers/sandbox/ephemeral/st-bad");
    grpc::Storage blk;
    blk.set_driver("blk");
    blk.set_source("/dev/vdb");
    blk.set_mount_point("/run/kata-containers/sandbox/st-bad-blk");
    *req.add_storages() = blk;
    try {
        g.agent().create_container(req);
        FAIL("CreateContainer accepted a blk storage");
    } catch (const ttrpc::RpcError& e) {
        CHECK(e.code() == ttrpc::Code::InvalidArgument);
        CHECK(std::string(e.what()).find("the driver 'blk' is not supported") != std::string::npos);
    }
    auto listed = g.agent().list_containers();
    for (const auto& c : listed.containers())
        CHECK(c.container_id() != "st-bad");
    // The ephemeral volume mounted before the failure was taken back: a
    // container that binds its mount point sees an empty directory.
    auto probe = g.spec("st-after", o);
    probe.mount("/run/kata-containers/sandbox/ephemeral/st-bad", "/scratch", "bind", {"rbind"});
    g.agent().create_container(probe.request("st-after"));
    g.agent().start_container("st-after");
    CHECK(g.run("st-after", {"sh", "-c", "grep -c ' /scratch ' /proc/mounts; ls -A /scratch | wc -l"}).out == "1\n0\n");
    g.remove("st-after");
}

TEST_CASE("a container on a virtio-fs share, and a local volume two containers share")
{
    // A guest of its own: virtio-fs needs virtiofsd and guest memory that
    // QEMU shares with it.
    const fs::path dir = fs::temp_directory_path() / ("kadapter-virtiofs-" + std::to_string(::getpid()));
    make_shared_rootfs(dir / "vfs/rootfs");
    auto opts = kadapter::vm::default_options();
    opts.virtiofs_dir = dir.string();
    kadapter::vm::GuestVm guest(opts);
    auto& agent = guest.agent();

    grpc::CreateSandboxRequest sandbox;
    sandbox.set_sandbox_id("vfs");
    auto* shared = sandbox.add_storages();
    shared->set_driver("virtio-fs");
    shared->set_source("kataShared");
    shared->set_fstype("virtiofs");
    shared->set_mount_point(kSharedMountPoint);
    agent.create_sandbox(sandbox);

    const std::string volume = "/run/kata-containers/sandbox/local/vfs-vol";
    auto container = [&](const std::string& id) {
        kadapter::agent::SpecBuilder spec(std::string(kSharedMountPoint) + "/vfs/rootfs", {"sleep", "3600"});
        spec.cgroups_path("kubepods/pod-vfs:cri-containerd:" + id)
            .annotation("io.kubernetes.cri.container-type", "container")
            .annotation("io.kubernetes.cri.container-name", id)
            .annotation("io.katacontainers.kadapter.policy",
                        ksp("vfs-block-secret", "file:\n  matchPaths:\n    - path: /data/secret.txt\naction: Block"))
            .mount(volume, "/vol", "bind", {"rbind", "rw"});
        auto req = spec.request(id);
        *req.add_storages() = local(volume, "0750");
        agent.create_container(req);
        agent.start_container(id);
    };
    container("vfs-a");
    container("vfs-b");

    CHECK(agent.run("vfs-a", {"cat", "/data/public.txt"}).out == "from the host\n");
    auto secret = agent.run("vfs-a", {"cat", "/data/secret.txt"});
    CHECK(secret.status == 1);
    CHECK(secret.err.find("Permission denied") != std::string::npos);
    // The local volume is one directory for the pod, with the mode asked for.
    CHECK(agent.run("vfs-a", {"sh", "-c", "echo shared > /vol/f"}).status == 0);
    CHECK(agent.run("vfs-b", {"cat", "/vol/f"}).out == "shared\n");
    CHECK(agent.run("vfs-b", {"stat", "-c", "%a", "/vol"}).out == "750\n");
    agent.remove_container("vfs-a", 10);
    agent.remove_container("vfs-b", 10);
    std::error_code ec;
    fs::remove_all(dir, ec);
}
