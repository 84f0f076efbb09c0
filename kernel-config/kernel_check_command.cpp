#include "kernel_check_command.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

#include "config_reader.hpp"
#include "kernel_check.hpp"
#include "requirements.hpp"

namespace kadapter::kernelcheck {

void add_kernel_check_options(CLI::App& app, KernelCheckArgs& args)
{
    app.add_option("FILE", args.file, "kernel config, /proc/config.gz or kernel image");
    app.add_option("--kernel-params", args.kernel_params,
                   "the guest's kernel command line (Kata's kernel_params): an lsm= there replaces CONFIG_LSM");
    app.add_flag("--print-fragment", args.print_fragment,
                 "print the Kconfig fragment (Kata's build-type/bpf-lsm) the check is based on, and exit");
}

int run_kernel_check(const KernelCheckArgs& args, std::ostream& out, std::ostream& err)
{
    if (args.print_fragment) {
        out << bpf_lsm_fragment();
        return 0;
    }
    if (args.file.empty()) {
        err << "kernel-check: FILE is required\n";
        return 2;
    }
    LoadedConfig loaded;
    try {
        loaded = load_kernel_config(args.file);
    } catch (const std::exception& e) {
        err << "kernel-check: " << e.what() << '\n';
        return 2;
    }
    out << args.file << ": " << loaded.format << ", " << loaded.config.size() << " options set\n";
    Report report = check(loaded.config, bpf_lsm_requirements(), {args.kernel_params});
    print_report(out, report);
    return report.ok() ? 0 : 1;
}

int kernel_check_command(int argc, char** argv)
{
    CLI::App app{kernel_check_description, "kadapter-kernel-check"};
    KernelCheckArgs args;
    add_kernel_check_options(app, args);
    CLI11_PARSE(app, argc, argv);
    return run_kernel_check(args, std::cout, std::cerr);
}

} // namespace kadapter::kernelcheck
