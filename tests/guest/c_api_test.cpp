// The C API from C: tests/guest/c-api/c_api_test.c, booted in a guest of
// its own because it must own the kernel's BPF-LSM state (in the suite's
// guest only the agent may call bpf()).
#include <catch2/catch.hpp>

#include "guest_vm.hpp"

TEST_CASE("the C API drives the whole Enforcer from a C program")
{
    auto run = kadapter::vm::run_program(kadapter::vm::default_options(),
                                         "/opt/kadapter/rootfs/busybox/usr/bin/kadapter-c-api-test", {},
                                         std::chrono::seconds(600));
    INFO(run.console);
    CHECK_FALSE(run.timed_out);
    CHECK(run.exit_status == 0);
    CHECK(run.console.find(", 0 failed") != std::string::npos);
}
