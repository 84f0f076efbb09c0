// kadapter: the host-side tool for KubeArmorPolicies on Kata pods.
//
//   kadapter lint policy.yaml                  validate (exit 1 on errors)
//   kadapter compile --labels app=web p.yaml   the RuleSet a container gets
//   kadapter annotate -p p.yaml deploy.yaml    manifests with the annotations set
//   kadapter explain --labels app=web p.yaml   what is allowed, audited, blocked, and why
#include <iostream>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "kadapter/error.hpp"

int main(int argc, char** argv)
{
    using namespace kadapter::cli;
    CLI::App app{"kadapter: KubeArmorPolicies for Kata Containers pods, checked, compiled and carried in pod "
                 "annotations"};
    app.require_subcommand(1);
    app.footer("Exit status: 0 success, 1 policy or input errors, 2 usage errors. Errors go to stderr.");

    Run action;
    for (auto& cmd : commands()) {
        CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
        Run run = cmd.setup(*sub);
        sub->callback([&action, run] { action = run; });
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e); // prints the problem to stderr
        return kExitUsage;
    }

    try {
        return action ? action() : kExitUsage;
    } catch (const CLI::ValidationError& e) {
        std::cerr << "kadapter: " << e.what() << "\n";
        return kExitUsage;
    } catch (const kadapter::Error& e) {
        std::cerr << "kadapter: " << e.what() << "\n";
        return kExitInvalid;
    } catch (const std::exception& e) {
        std::cerr << "kadapter: " << e.what() << "\n";
        return kExitInvalid;
    }
}
