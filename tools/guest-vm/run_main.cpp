// kadapter-guest-run: boots a guest with PROGRAM as its init (run_program(),
// oneshot_init.h) and prints its console. For tests whose programs are
// built outside this tree, e.g. the consumer tests (tests/consumers/).
//
//   kadapter-guest-run [--initrd IMG] [--timeout SEC] PROGRAM [ARG...]
//
// Exit status: the program's, or 1 when the guest could not boot, timed
// out or ended without the program's last word.
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "guest_vm.hpp"

int main(int argc, char** argv)
{
    namespace vm = kadapter::vm;
    vm::GuestVmOptions options = vm::default_options();
    int timeout_sec = 600;
    std::string program;
    std::vector<std::string> args;
    CLI::App app{"kadapter-guest-run: boot a guest with PROGRAM as its init and print its console"};
    app.add_option("--initrd", options.initrd, "initrd holding PROGRAM (default: this build's)")
        ->check(CLI::ExistingFile);
    app.add_option("--timeout", timeout_sec, "seconds before the guest is stopped")->check(CLI::PositiveNumber);
    app.add_option("program", program, "PROGRAM's path inside the initrd")->required();
    app.add_option("args", args, "its arguments");
    CLI11_PARSE(app, argc, argv);

    vm::ProgramRun run;
    try {
        run = vm::run_program(options, program, args, std::chrono::seconds(timeout_sec));
    } catch (const std::exception& e) {
        std::cerr << "kadapter-guest-run: " << e.what() << "\n";
        return 1;
    }
    std::cout << run.console << "\n";
    std::cout << "kadapter-guest-run: " << program << " under " << vm::accel_name(run.accel) << ", "
              << run.elapsed.count() / 1000 << " s: ";
    if (run.timed_out) {
        std::cout << "timed out after " << timeout_sec << " s\n";
        return 1;
    }
    if (run.exit_status < 0) {
        std::cout << "ended without its exit line (crashed?)\n";
        return 1;
    }
    std::cout << "exit " << run.exit_status << "\n";
    return run.exit_status;
}
