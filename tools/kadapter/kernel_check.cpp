// kadapter kernel-check: the standalone kadapter-kernel-check as a
// subcommand (one implementation, kernel-config/kernel_check_command.cpp).
#include <iostream>
#include <memory>

#include "command.hpp"
#include "kernel_check_command.hpp"

namespace kadapter::cli {

Command kernel_check_command()
{
    return {"kernel-check", kernelcheck::kernel_check_description, [](CLI::App& sub) -> Run {
                auto args = std::make_shared<kernelcheck::KernelCheckArgs>();
                kernelcheck::add_kernel_check_options(sub, *args);
                return [args] { return kernelcheck::run_kernel_check(*args, std::cout, std::cerr); };
            }};
}

} // namespace kadapter::cli
