// kadapter push: changes the policy of a running container through the
// agent connection the pod already has (kadapter.PolicyService/UpdatePolicy),
// after checking the policies here: what the guest would refuse is refused
// before anything is sent.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent_client.hpp"
#include "command.hpp"
#include "inputs.hpp"
#include "kadapter/annotations.hpp"
#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"
#include "ttrpc/status.hpp"

namespace kadapter::cli {
namespace {

struct PushOptions {
    std::string address;
    std::vector<std::string> containers;
    std::vector<std::string> files;
    PodOptions pod;
    std::string form = "yaml";
    int timeout_s = 30;
};

int run(const PushOptions& o)
{
    // The same checks as `compile`: options, parse, validate, enforceability.
    const policy::PodIdentity pod = pod_identity(o.pod);
    pod_postures(o.pod); // a bad --posture is a usage error here, not a refusal in the guest
    auto policies = load_some_policies(o.files, "the input");
    if (!policies || !all_enforceable(*policies))
        return kExitInvalid;
    if (o.pod.labels_given && selecting(*policies, pod).empty())
        std::cerr << "kadapter: note: no policy selects " << describe(pod) << ": the containers will have no rules\n";

    kadapter::UpdatePolicyRequest request;
    request.set_policy(o.form == "compact" ? encode_compact(*policies) : policy::verbatim_yaml(*policies));
    for (const auto& [k, v] : parse_labels(o.pod.posture))
        (*request.mutable_postures())[k] = v;
    for (const auto& [k, v] : pod.labels)
        (*request.mutable_labels())[k] = v;

    agent::AgentClient client(o.address, std::chrono::seconds(o.timeout_s));
    int status = kExitOk;
    for (const auto& id : o.containers) {
        request.set_container_id(id);
        try {
            auto r = client.update_policy(request);
            std::cout << id << ": rule set " << r.ruleset_id() << " in force, " << r.rules() << " rules\n";
        } catch (const ttrpc::RpcError& e) {
            // The guest refused: the container keeps its previous rule set.
            std::cerr << "kadapter: " << id << ": refused by the guest (" << ttrpc::to_string(e.code())
                      << "): " << e.what() << "\n";
            status = kExitInvalid;
        }
    }
    return status;
}

} // namespace

Command push_command()
{
    return {
        "push",
        "Replace the policies of running containers in a Kata guest, atomically, over the agent connection "
        "(kadapter.PolicyService/UpdatePolicy); a container the guest refuses keeps its rule set",
        [](CLI::App& sub) -> Run {
            auto o = std::make_shared<PushOptions>();
            sub.add_option("--addr", o->address,
                           "the agent: unix://PATH, vsock://CID:PORT, or hvsock://PATH:PORT (Kata's hybrid "
                           "vsock socket, CONNECT PORT; the agent listens on 1024)")
                ->required();
            sub.add_option("-c,--container-id", o->containers, "container id in the guest (repeatable)")->required();
            sub.add_option("files", o->files, "Policy YAML files, '-' for standard input")->required();
            add_pod_options(sub, o->pod);
            sub.add_option("--form", o->form, "how the policies travel: yaml (verbatim) or compact")
                ->check(CLI::IsMember({"yaml", "compact"}))
                ->capture_default_str();
            sub.add_option("--timeout", o->timeout_s, "seconds to wait for the agent")->capture_default_str();
            return [o] {
                try {
                    return run(*o);
                } catch (const ttrpc::RpcError& e) {
                    std::cerr << "kadapter: " << e.what() << "\n";
                } catch (const std::system_error& e) {
                    std::cerr << "kadapter: cannot reach the agent at " << o->address << ": " << e.what() << "\n";
                }
                return kExitInvalid;
            };
        }};
}

} // namespace kadapter::cli
