// kadapter annotate: put the policies that select each workload's pods into
// its pod template's annotations, and write the manifests back out, ready
// for `kubectl apply`.
//
// The manifests are re-written by yaml-cpp (see kadapter/yaml_writer.hpp):
// values and their types, key order and flow/block collections are kept;
// comments, anchors (aliases are written out in full), quoting and blank
// lines are not.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "inputs.hpp"
#include "kadapter/annotations.hpp"
#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"
#include "manifest.hpp"
#include "policy/yaml_reader.hpp"
#include "policy/yaml_writer.hpp"

namespace kadapter::cli {
namespace {

// Above this, `--form auto` writes the compact form.
constexpr size_t kAutoCompactBytes = 32 * 1024;

struct AnnotateOptions {
    std::vector<std::string> policies;
    std::vector<std::string> manifests;
    std::string form = "auto";
    std::string posture;
    std::string namespace_ = "default";
    std::string output = "-";
};

YAML::Node string_node(const std::string& s)
{
    YAML::Node n(s);
    n.SetTag("!"); // a string, whatever it looks like
    return n;
}

class Annotator {
public:
    Annotator(const AnnotateOptions& o, std::vector<policy::Policy> policies) : o_(o), policies_(std::move(policies))
    {
        if (!o.posture.empty()) {
            try {
                parse_postures(o.posture);
            } catch (const Error& e) {
                throw CLI::ValidationError("--posture", e.what());
            }
        }
    }

    // Annotates every workload in `doc` (a List's items too).
    void document(YAML::Node doc)
    {
        const YAML::Node& cdoc = doc;
        if (cdoc.IsMap() && cdoc["kind"] && cdoc["kind"].IsScalar() && cdoc["kind"].Scalar() == "List" &&
            cdoc["items"] && cdoc["items"].IsSequence()) {
            for (auto item : doc["items"])
                document(item);
            return;
        }
        if (auto t = pod_template(doc))
            annotate(*t);
    }

    int status() const { return failed_ ? kExitInvalid : kExitOk; }

private:
    void annotate(PodTemplate& t)
    {
        const std::string ns = t.namespace_.empty() ? o_.namespace_ : t.namespace_;
        const std::string who = t.kind + " " + ns + "/" + t.name;

        std::vector<policy::Policy> selected;
        for (const auto& p : policies_) {
            // A policy narrowed to named containers belongs to the pod if one
            // of them is there; the guest narrows it to that container.
            std::vector<std::string> names = t.containers.empty() ? std::vector<std::string>{""} : t.containers;
            bool any = false;
            for (const auto& c : names)
                any = any || policy::selects(p, {c, ns, t.labels, true});
            if (any)
                selected.push_back(p);
        }

        YAML::Node meta = t.node["metadata"];
        if (!meta.IsMap() && !meta.IsNull() && meta.IsDefined()) {
            std::cerr << "kadapter: error: " << who << ": " << t.path << ".metadata is not a mapping\n";
            failed_ = true;
            return;
        }
        YAML::Node annotations = meta["annotations"];
        if (annotations.IsDefined() && !annotations.IsNull() && !annotations.IsMap()) {
            std::cerr << "kadapter: error: " << who << ": " << t.path << ".metadata.annotations is not a mapping\n";
            failed_ = true;
            return;
        }

        if (selected.empty()) {
            bool had = annotations.IsMap() && annotations[kPolicyAnnotation];
            if (annotations.IsMap())
                for (const char* key : {kPolicyAnnotation, kLabelsAnnotation, kPostureAnnotation})
                    annotations.remove(key);
            std::cerr << "kadapter: " << who << ": no policy selects its pods"
                      << (had ? "; removed its kadapter annotations" : "") << "\n";
            return;
        }

        const std::string yaml = policy::verbatim_yaml(selected);
        std::string names;
        for (const auto& p : selected)
            names += (names.empty() ? "" : ", ") + p.name;
        const bool compact = o_.form == "compact" || (o_.form == "auto" && yaml.size() > kAutoCompactBytes);
        const std::string value = compact ? encode_compact(selected) : yaml;
        std::string labels;
        try {
            labels = format_labels(t.labels);
        } catch (const Error& e) {
            std::cerr << "kadapter: error: " << who << ": " << e.what() << "\n";
            failed_ = true;
            return;
        }

        annotations[kPolicyAnnotation] = string_node(value);
        annotations[kLabelsAnnotation] = string_node(labels);
        if (!o_.posture.empty()) // otherwise a posture set by hand stays
            annotations[kPostureAnnotation] = string_node(o_.posture);

        size_t total = 0;
        for (const auto& kv : annotations)
            total += kv.first.Scalar().size() + (kv.second.IsScalar() ? kv.second.Scalar().size() : 0);
        std::cerr << "kadapter: " << who << ": " << names << " (" << (compact ? "compact" : "YAML") << ", "
                  << value.size() << " bytes)\n";
        if (total > kMaxAnnotationBytes) {
            std::cerr << "kadapter: error: " << who << ": its pod annotations would take " << total
                      << " bytes; Kubernetes allows " << kMaxAnnotationBytes << (compact ? "" : " (try --form compact)")
                      << "\n";
            failed_ = true;
        }
        const YAML::Node& tmpl = t.node;
        const YAML::Node spec = tmpl["spec"];
        if (!(spec.IsMap() && spec["runtimeClassName"]))
            std::cerr << "kadapter: note: " << who << ": " << t.path
                      << ".spec.runtimeClassName is not set; the policies are enforced only in Kata pods\n";
    }

    const AnnotateOptions& o_;
    std::vector<policy::Policy> policies_;
    bool failed_ = false;
};

int run(const AnnotateOptions& o)
{
    auto policies = load_some_policies(o.policies, "the policy files");
    // What the guest could not enforce fails here, not at pod start.
    if (!policies || !all_enforceable(*policies))
        return kExitInvalid;

    Annotator annotator(o, std::move(*policies));
    std::string out;
    for (const auto& file : o.manifests) {
        std::vector<YAML::Node> docs;
        try {
            docs = load_yaml_documents(read_input(file));
        } catch (const YAML::Exception& e) {
            std::cerr << "kadapter: " << (file == "-" ? "<stdin>" : file) << ":" << e.mark.line + 1 << ":"
                      << e.mark.column + 1 << ": error: not valid YAML: " << e.msg << "\n";
            return kExitInvalid;
        }
        for (auto& doc : docs) {
            if (doc.IsNull())
                continue;
            try {
                annotator.document(doc);
            } catch (const std::runtime_error& e) {
                std::cerr << "kadapter: error: " << e.what() << "\n";
                return kExitInvalid;
            }
            out += (out.empty() ? "" : "---\n") + to_yaml(doc);
        }
    }
    if (annotator.status() != kExitOk)
        return annotator.status();

    if (o.output == "-") {
        std::cout << out;
    } else {
        std::ofstream f(o.output, std::ios::binary | std::ios::trunc);
        if (!(f << out) || !f.flush())
            throw Error(Errc::InvalidArgument, "cannot write " + o.output);
    }
    return kExitOk;
}

} // namespace

Command annotate_command()
{
    return {"annotate",
            "Set the kadapter annotations on the pod templates of Pod, Deployment, StatefulSet, DaemonSet, "
            "ReplicaSet, Job and CronJob manifests, from the policies that select them",
            [](CLI::App& sub) -> Run {
                auto o = std::make_shared<AnnotateOptions>();
                sub.add_option("-p,--policy", o->policies, "Policy YAML file (repeat for several)")->required();
                sub.add_option("manifests", o->manifests, "Manifest files, '-' for standard input")->required();
                sub.add_option("--form", o->form,
                               "How to carry the policies: yaml, compact, or auto (compact above 32 KiB)")
                    ->check(CLI::IsMember({"auto", "yaml", "compact"}))
                    ->capture_default_str();
                sub.add_option("--posture", o->posture,
                               "Also set default postures, e.g. file=block,network=audit,capabilities=audit");
                sub.add_option("--namespace", o->namespace_, "Namespace of manifests that name none")
                    ->capture_default_str();
                sub.add_option("-o,--output", o->output, "Where to write the manifests ('-': standard output)")
                    ->capture_default_str();
                return [o] { return run(*o); };
            }};
}

} // namespace kadapter::cli
