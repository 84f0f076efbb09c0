// kadapter-bench-run: boots the guest with kadapter-bench as its init and
// prints the benchmark's report (see guest_bench.cpp for what it measures).
// Exit status: the benchmark's (0, or 3 when open or exec at 10000 rules
// costs over 10% more than at 1 rule), 1 if the guest failed.
#include <iostream>
#include <sstream>
#include <string>

#include "guest_vm.hpp"

int main()
{
    namespace vm = kadapter::vm;
    std::cout << "Booting the guest with the benchmark as its init; this takes a few minutes under TCG.\n";
    vm::ProgramRun run;
    try {
        const auto options = vm::default_options();
        // The benchmark prints absolute times only on a real CPU.
        const auto accel = vm::choose_accelerator(options.kernel, options.initrd).accel;
        run = vm::run_program(options, "/opt/kadapter/rootfs/busybox/usr/bin/kadapter-bench",
                              {std::string("--accel=") + (accel == vm::Accel::kvm ? "kvm" : "tcg")},
                              std::chrono::seconds(1800));
    } catch (const std::exception& e) {
        std::cerr << "kadapter-bench-run: " << e.what() << "\n";
        return 1;
    }
    if (run.timed_out || run.exit_status < 0) {
        std::cerr << run.console << "\nkadapter-bench-run: the guest "
                  << (run.timed_out ? "timed out" : "ended without a result") << "\n";
        return 1;
    }
    // The report: the benchmark's own lines, without the kernel's.
    std::istringstream console(run.console);
    for (std::string line; std::getline(console, line);) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.rfind("kadapter-bench: ", 0) == 0)
            std::cout << line.substr(16) << "\n";
        else if (line.rfind("| ", 0) == 0 || line.rfind("|-", 0) == 0 || line.empty())
            std::cout << line << "\n";
    }
    std::cout << "(guest run under " << vm::accel_name(run.accel) << ": " << run.elapsed.count() / 1000 << " s)\n";
    return run.exit_status;
}
