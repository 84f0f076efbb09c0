// The shim's whole lifecycle (lifecycle/shim_lifecycle.hpp), over both of
// Kata's transports. Each case boots a guest of its own: DestroySandbox,
// the last step, powers the guest off.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "guest_vm.hpp"
#include "shim_lifecycle.hpp"

using namespace kadapter;

namespace {

bool wait_for_poweroff(vm::GuestVm& guest, std::chrono::seconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (guest.running()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

constexpr size_t kSteps = 11; // run_shim_lifecycle's steps

} // namespace

TEST_CASE("the shim's lifecycle over virtio-serial from the host, ending in DestroySandbox")
{
    vm::GuestVm guest(vm::default_options());
    std::vector<std::string> steps;
    try {
        testing::run_shim_lifecycle(guest.agent(), [&](const std::string& s) { steps.push_back(s); });
    } catch (const std::exception& e) {
        FAIL_CHECK("step '" << (steps.empty() ? "" : steps.back()) << "': " << e.what() << "\n"
                            << guest.console_tail());
    }
    CHECK(steps.size() == kSteps);
    guest.agent().destroy_sandbox();
    CHECK(wait_for_poweroff(guest, std::chrono::seconds(30)));
}

TEST_CASE("the shim's lifecycle over vsock inside the guest, run from the debug console")
{
    auto opts = vm::default_options();
    opts.extra_cmdline += " agent.debug_console";
    vm::GuestVm guest(opts);
    // The debug console's shell runs outside every container, where vsock
    // is allowed; vsock_loopback carries CID 1 to the agent's port 1024.
    guest.write_console("/opt/kadapter/rootfs/busybox/usr/bin/kadapter-lifecycle vsock://1:1024\n");
    bool off = wait_for_poweroff(guest, std::chrono::seconds(180));
    std::string log = guest.console_log();
    INFO(log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
    CHECK(log.find("lifecycle verdict: PASSED " + std::to_string(kSteps) + " steps over vsock://1:1024") !=
          std::string::npos);
    CHECK(off); // DestroySandbox powered it off
}
