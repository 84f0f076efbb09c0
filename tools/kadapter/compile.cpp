// kadapter compile: the RuleSet one pod container gets from a set of
// policies, or the annotation value that carries them.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "inputs.hpp"
#include "kadapter/compact.hpp"
#include "ruleset_json.hpp"

namespace kadapter::cli {
namespace {

struct CompileOptions {
    std::vector<std::string> files;
    PodOptions pod;
    std::string format = "json";
};

std::string percent(size_t n)
{
    return std::to_string(n * 1000 / kMaxAnnotationBytes / 10) + "." +
           std::to_string(n * 1000 / kMaxAnnotationBytes % 10) + "%";
}

int run(const CompileOptions& o)
{
    const policy::PodIdentity pod = pod_identity(o.pod);
    const policy::Postures postures = pod_postures(o.pod);
    auto policies = load_some_policies(o.files, "the input");
    if (!policies)
        return kExitInvalid;
    const std::vector<policy::Policy> selected = selecting(*policies, pod);
    if (!all_enforceable(selected))
        return kExitInvalid;
    if (selected.empty())
        std::cerr << "kadapter: note: no policy selects this pod (" << describe(pod) << ")\n";

    std::vector<policy::Diagnostic> diagnostics;
    RuleSet rules = policy::compile(selected, pod, postures, &diagnostics); // throws what it cannot enforce
    print_diagnostics(diagnostics);

    if (o.format == "json") {
        std::cout << to_json(rules).dump(2) << "\n";
        return kExitOk;
    }
    if (selected.empty())
        return kExitInvalid; // no annotation to write
    const std::string yaml = policy::verbatim_yaml(selected);
    const std::string value = o.format == "annotation" ? encode_compact(selected) : yaml;
    std::cout << value << (value.ends_with('\n') ? "" : "\n");
    std::cerr << "kadapter: " << (o.format == "annotation" ? "compact" : "verbatim")
              << " annotation value: " << value.size() << " bytes, " << percent(value.size()) << " of Kubernetes' "
              << kMaxAnnotationBytes << "-byte annotation limit";
    if (o.format == "annotation")
        std::cerr << " (as YAML: " << yaml.size() << " bytes)";
    std::cerr << "\n";
    if (value.size() > kMaxAnnotationBytes) {
        std::cerr << "kadapter: error: the value does not fit in a pod annotation\n";
        return kExitInvalid;
    }
    return kExitOk;
}

} // namespace

Command compile_command()
{
    return {"compile",
            "Show the RuleSet a pod container gets (JSON), or the annotation value that carries its policies",
            [](CLI::App& sub) -> Run {
                auto o = std::make_shared<CompileOptions>();
                sub.add_option("files", o->files, "Policy YAML files, '-' for standard input")->required();
                add_pod_options(sub, o->pod);
                sub.add_option("--format", o->format,
                               "json: the RuleSet; annotation: the compact annotation value; yaml: the verbatim "
                               "annotation value")
                    ->check(CLI::IsMember({"json", "annotation", "yaml"}))
                    ->capture_default_str();
                return [o] { return run(*o); };
            }};
}

} // namespace kadapter::cli
