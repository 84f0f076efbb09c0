// The kernel-check command line, shared by the standalone
// kadapter-kernel-check and a `kernel-check` subcommand of another CLI:
//
//   CLI::App* sub = app.add_subcommand("kernel-check", kernel_check_description);
//   auto args = std::make_shared<KernelCheckArgs>();
//   add_kernel_check_options(*sub, *args);
//   sub->final_callback([args] { throw CLI::RuntimeError(run_kernel_check(*args, std::cout, std::cerr)); });
#pragma once

#include <ostream>
#include <string>

namespace CLI {
class App;
}

namespace kadapter::kernelcheck {

inline constexpr const char* kernel_check_description =
    "Check that a guest kernel can enforce kadapter policies with BPF-LSM. FILE is a .config, /proc/config.gz, "
    "or a kernel image (bzImage or vmlinux, gzip/xz/zstd) built with CONFIG_IKCONFIG. Exit status: 0 all set, "
    "1 options missing or wrong, 2 no configuration found.";

struct KernelCheckArgs {
    std::string file;
    std::string kernel_params; // the guest's kernel command line (for lsm=)
    bool print_fragment = false;
};

void add_kernel_check_options(CLI::App& app, KernelCheckArgs& args);

// Prints the report (or the fragment) to `out` and errors to `err`;
// returns the exit status.
int run_kernel_check(const KernelCheckArgs& args, std::ostream& out, std::ostream& err);

// A whole program: parses argv and runs.
int kernel_check_command(int argc, char** argv);

} // namespace kadapter::kernelcheck
