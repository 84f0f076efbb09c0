// The `kadapter` subcommands: one file each, listed in registry.cpp.
//
// To add one (e.g. status): write tools/kadapter/status.cpp
// defining `Command status_command()`, declare it below, add it to
// the list in registry.cpp and the file to tools/kadapter/CMakeLists.txt.
// Its setup function declares options on the CLI11 subcommand it is given
// and returns the action to run once the command line parsed.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace kadapter::cli {

// Conventional exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1; // policy or input errors
inline constexpr int kExitUsage = 2;   // bad command line

using Run = std::function<int()>; // runs a parsed subcommand, returns the exit status

struct Command {
    std::string name;
    std::string description;
    std::function<Run(CLI::App& sub)> setup;
};

Command lint_command();
Command compile_command();
Command annotate_command();
Command explain_command();
Command kernel_check_command();
Command push_command();

// Every subcommand, in the order `kadapter --help` lists them.
std::vector<Command> commands();

} // namespace kadapter::cli
