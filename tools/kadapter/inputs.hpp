// What several subcommands share: reading inputs, loading policies with
// their diagnostics, and the options that describe one pod container.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kadapter/policy.hpp"

namespace CLI {
class App;
}

namespace kadapter::cli {

// The contents of `path` ("-" = standard input). Throws Error(InvalidArgument).
std::string read_input(const std::string& path);

// Diagnostics to stderr; notes only when `notes`.
void print_diagnostics(const std::vector<policy::Diagnostic>& diagnostics, bool notes = true);

struct Loaded {
    std::vector<policy::Policy> policies;
    size_t errors = 0;
    size_t warnings = 0;
};

// Parses every file, printing its diagnostics. Policies of files with
// errors are still returned: callers must check `errors`.
Loaded load_policies(const std::vector<std::string>& files, bool notes = true);

// load_policies for subcommands that need at least one policy: nullopt
// (diagnostics printed) when a file has errors or `files` holds none;
// `where` names the files in that message ("the input").
std::optional<std::vector<policy::Policy>> load_some_policies(const std::vector<std::string>& files,
                                                              const std::string& where);

// The policies that select `pod`.
std::vector<policy::Policy> selecting(const std::vector<policy::Policy>& policies, const policy::PodIdentity& pod);

// Prints what kadapter cannot enforce in `policies`; true when nothing.
bool all_enforceable(const std::vector<policy::Policy>& policies);

// --labels, --namespace, --container, --posture
struct PodOptions {
    std::string labels;
    bool labels_given = false;
    std::string namespace_;
    std::string container;
    std::string posture;
};
void add_pod_options(CLI::App& sub, PodOptions& options);
policy::PodIdentity pod_identity(const PodOptions& options); // throws CLI::ValidationError
policy::Postures pod_postures(const PodOptions& options);    // throws CLI::ValidationError
std::string describe(const policy::PodIdentity& pod);

} // namespace kadapter::cli
