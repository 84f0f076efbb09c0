// kadapter lint: validate policy files against the CRD and kadapter's
// semantic checks, and report what kadapter cannot enforce.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "inputs.hpp"
#include "kadapter/error.hpp"

namespace kadapter::cli {
namespace {

struct LintOptions {
    std::vector<std::string> files;
    bool strict = false;
    bool quiet = false;
    bool language_only = false;
};

std::string count(size_t n, const char* one, const char* many)
{
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

int run(const LintOptions& o)
{
    size_t errors = 0, warnings = 0, policies = 0;
    for (const auto& file : o.files) {
        const std::string input = file == "-" ? "<stdin>" : file;
        std::string text;
        try {
            text = read_input(file);
        } catch (const Error& e) {
            std::cerr << "kadapter: " << e.what() << "\n";
            ++errors;
            continue;
        }
        policy::ParseResult r = policy::parse(text, input);
        if (r.ok() && r.policies.empty()) {
            policy::Diagnostic d;
            d.level = policy::Diagnostic::Level::Warning;
            d.input = input;
            d.message = "holds no KubeArmorPolicy or KubeArmorClusterPolicy";
            r.diagnostics.push_back(d);
        }
        // What kadapter cannot enforce, and overlaps inside each policy.
        for (const auto& p : r.policies) {
            if (o.language_only)
                continue;
            auto unsupported = policy::unenforceable(p);
            r.diagnostics.insert(r.diagnostics.end(), unsupported.begin(), unsupported.end());
            if (unsupported.empty())
                policy::compile_policy(p, {}, &r.diagnostics);
        }
        std::vector<policy::Diagnostic> shown;
        for (const auto& d : r.diagnostics)
            if (!o.quiet || d.level == policy::Diagnostic::Level::Error)
                shown.push_back(d);
        print_diagnostics(shown);
        errors += r.count(policy::Diagnostic::Level::Error);
        warnings += r.count(policy::Diagnostic::Level::Warning);
        policies += r.policies.size();
    }
    std::cout << "kadapter lint: " << count(o.files.size(), "file", "files") << ", "
              << count(policies, "valid policy", "valid policies") << ", " << count(errors, "error", "errors") << ", "
              << count(warnings, "warning", "warnings") << "\n";
    return errors || (o.strict && warnings) ? kExitInvalid : kExitOk;
}

} // namespace

Command lint_command()
{
    return {"lint",
            "Validate KubeArmorPolicy files: every error with its file, line, column and field (exit 1 on errors)",
            [](CLI::App& sub) -> Run {
                auto o = std::make_shared<LintOptions>();
                sub.add_option("files", o->files, "Policy YAML files, '-' for standard input")->required();
                sub.add_flag("--strict", o->strict, "Fail on warnings too");
                sub.add_flag("-q,--quiet", o->quiet, "Show errors only");
                sub.add_flag("--language-only", o->language_only,
                             "Check the policy language only, not what kadapter can enforce");
                return [o] { return run(*o); };
            }};
}

} // namespace kadapter::cli
