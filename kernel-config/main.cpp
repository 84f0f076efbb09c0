// kadapter-kernel-check FILE: does this guest kernel support BPF-LSM enforcement?
#include "kernel_check_command.hpp"

int main(int argc, char** argv)
{
    return kadapter::kernelcheck::kernel_check_command(argc, argv);
}
