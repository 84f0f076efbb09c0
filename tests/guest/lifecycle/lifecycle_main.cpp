// kadapter-lifecycle ADDRESS: the shim's lifecycle (shim_lifecycle.hpp)
// from inside the guest, e.g. over vsock://1:1024 through vsock_loopback,
// then DestroySandbox. Run from the debug console: containers may not open
// vsock. Prints one line per step and a verdict the test looks for.
#include <cstdio>
#include <exception>

#include "shim_lifecycle.hpp"

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
        return 2;
    }
    try {
        kadapter::agent::AgentClient agent(argv[1]);
        int steps = 0;
        kadapter::testing::run_shim_lifecycle(agent, [&](const std::string& s) {
            std::printf("lifecycle step: %s\n", s.c_str());
            std::fflush(stdout);
            ++steps;
        });
        std::printf("lifecycle verdict: PASSED %d steps over %s; DestroySandbox next\n", steps, argv[1]);
        std::fflush(stdout);
        agent.destroy_sandbox();
    } catch (const std::exception& e) {
        std::printf("lifecycle verdict: FAILED: %s\n", e.what());
        std::fflush(stdout);
        return 1;
    }
    return 0;
}
