#include "inputs.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "kadapter/annotations.hpp"
#include "kadapter/error.hpp"

namespace kadapter::cli {

std::string read_input(const std::string& path)
{
    std::stringstream ss;
    if (path == "-") {
        ss << std::cin.rdbuf();
        return ss.str();
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(Errc::InvalidArgument, "cannot read " + path + ": " + std::strerror(errno));
    ss << in.rdbuf();
    if (in.bad())
        throw Error(Errc::InvalidArgument, "cannot read " + path + ": " + std::strerror(errno));
    return ss.str();
}

void print_diagnostics(const std::vector<policy::Diagnostic>& diagnostics, bool notes)
{
    for (const auto& d : diagnostics)
        if (notes || d.level != policy::Diagnostic::Level::Note)
            std::cerr << d.str() << "\n";
}

Loaded load_policies(const std::vector<std::string>& files, bool notes)
{
    Loaded out;
    for (const auto& file : files) {
        policy::ParseResult r = policy::parse(read_input(file), file == "-" ? "<stdin>" : file);
        print_diagnostics(r.diagnostics, notes);
        out.errors += r.count(policy::Diagnostic::Level::Error);
        out.warnings += r.count(policy::Diagnostic::Level::Warning);
        for (auto& p : r.policies)
            out.policies.push_back(std::move(p));
    }
    return out;
}

std::optional<std::vector<policy::Policy>> load_some_policies(const std::vector<std::string>& files,
                                                              const std::string& where)
{
    Loaded loaded = load_policies(files);
    if (loaded.errors)
        return std::nullopt;
    if (loaded.policies.empty()) {
        std::cerr << "kadapter: no KubeArmorPolicy or KubeArmorClusterPolicy in " << where << "\n";
        return std::nullopt;
    }
    return std::move(loaded.policies);
}

std::vector<policy::Policy> selecting(const std::vector<policy::Policy>& policies, const policy::PodIdentity& pod)
{
    std::vector<policy::Policy> out;
    for (const auto& p : policies)
        if (policy::selects(p, pod))
            out.push_back(p);
    return out;
}

void add_pod_options(CLI::App& sub, PodOptions& o)
{
    sub.add_option("--labels", o.labels,
                   "The pod's labels, k=v,k=v; without it every policy is taken to select the pod")
        ->each([&o](const std::string&) { o.labels_given = true; });
    sub.add_option("--namespace", o.namespace_, "The pod's namespace; without it namespaces are not compared");
    sub.add_option("--container", o.container,
                   "The container's name, for policies narrowed with kubearmor.io/container.name");
    sub.add_option("--posture", o.posture, "Default postures, e.g. file=block,network=audit,capabilities=audit");
}

policy::PodIdentity pod_identity(const PodOptions& o)
{
    try {
        return kadapter::pod_identity(o.container, o.namespace_,
                                      o.labels_given ? std::optional<std::string>(o.labels) : std::nullopt);
    } catch (const Error& e) {
        throw CLI::ValidationError("--labels", e.what());
    }
}

policy::Postures pod_postures(const PodOptions& o)
{
    try {
        return parse_postures(o.posture);
    } catch (const Error& e) {
        throw CLI::ValidationError("--posture", e.what());
    }
}

std::string describe(const policy::PodIdentity& pod)
{
    std::string labels;
    for (const auto& [k, v] : pod.labels)
        labels += (labels.empty() ? "" : ",") + k + "=" + v;
    return "namespace " + (pod.namespace_.empty() ? std::string("(any)") : pod.namespace_) + ", container " +
           (pod.container_name.empty() ? std::string("(unnamed)") : pod.container_name) + ", labels " +
           (pod.labels_known ? (labels.empty() ? std::string("(none)") : labels) : std::string("(not given)"));
}

bool all_enforceable(const std::vector<policy::Policy>& policies)
{
    bool enforceable = true;
    for (const auto& p : policies) {
        auto problems = policy::unenforceable(p);
        print_diagnostics(problems);
        enforceable = enforceable && problems.empty();
    }
    return enforceable;
}

} // namespace kadapter::cli
