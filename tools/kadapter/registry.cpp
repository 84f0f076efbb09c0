#include "command.hpp"

namespace kadapter::cli {

std::vector<Command> commands()
{
    return {lint_command(),    compile_command(), annotate_command(),
            explain_command(), push_command(),    kernel_check_command()};
}

} // namespace kadapter::cli
