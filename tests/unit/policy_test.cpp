// The poster's policy end to end: parse, compile, errors, annotations.
#include <catch2/catch.hpp>

#include "kadapter/annotations.hpp"
#include "kadapter/error.hpp"
#include "kadapter/kadapter.h"
#include "kadapter/policy.hpp"
#include "poster_policy.hpp"

using namespace kadapter;

TEST_CASE("the poster's policy parses and compiles to one directory rule")
{
    auto r = policy::parse(kadapter::demo::kPosterPolicy, "poster.yaml");
    REQUIRE(r.ok());
    REQUIRE(r.policies.size() == 1);
    CHECK(r.policies[0].name == "ksp-nginx-block-sa");
    CHECK(r.policies[0].selector.match_labels.at("app") == "nginx");

    policy::PodIdentity nginx{"nginx", "default", {{"app", "nginx"}}, true};
    RuleSet rs = policy::compile(r.policies, nginx);
    REQUIRE(rs.file.size() == 1);
    CHECK(rs.file[0].match == PathMatch::Directory);
    CHECK(rs.file[0].path == "/run/secrets/kubernetes.io/serviceaccount/");
    CHECK(rs.file[0].action == Action::Block);
    CHECK(rs.origins[rs.file[0].origin].policy == "ksp-nginx-block-sa");
    CHECK(rs.origins[rs.file[0].origin].field == "spec.file.matchDirectories[0]");

    policy::PodIdentity other{"web", "default", {{"app", "web"}}, true};
    CHECK(policy::compile(r.policies, other).empty());
}

TEST_CASE("errors name the input, position, field and reason")
{
    std::string bad = kadapter::demo::kPosterPolicy;
    bad.replace(bad.find("serviceaccount/"), 15, "serviceaccount");
    auto r = policy::parse(bad, "bad.yaml");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.policies.empty());
    std::string msg = r.errors();
    CHECK(msg.find("bad.yaml:12:") != std::string::npos);
    CHECK(msg.find("spec.file.matchDirectories[0].dir") != std::string::npos);
    CHECK(msg.find("must start and end with '/'") != std::string::npos);
}

TEST_CASE("other kinds in the same file are skipped with a note")
{
    std::string yaml = std::string("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\n") +
                       kadapter::demo::kPosterPolicy;
    auto r = policy::parse(yaml, "mixed.yaml");
    REQUIRE(r.ok());
    CHECK(r.policies.size() == 1);
    bool noted = false;
    for (const auto& d : r.diagnostics)
        noted =
            noted || (d.level == policy::Diagnostic::Level::Note && d.message.find("Deployment") != std::string::npos);
    CHECK(noted);
}

TEST_CASE("the annotation decoder rejects what it cannot use")
{
    CHECK_FALSE(pod_policy_from_annotations({}).has_value());
    CHECK_THROWS_AS(pod_policy_from_annotations({{kPolicyAnnotation, "kind: [unclosed"}}), Error);
    CHECK_THROWS_AS(pod_policy_from_annotations({{kPolicyAnnotation, "apiVersion: v1\nkind: Pod\n"}}), Error);
    CHECK_THROWS_AS(pod_policy_from_annotations(
                        {{kPolicyAnnotation, kadapter::demo::kPosterPolicy}, {kPostureAnnotation, "file=deny"}}),
                    Error);
    auto ok = pod_policy_from_annotations({{kPolicyAnnotation, kadapter::demo::kPosterPolicy},
                                           {kPostureAnnotation, "file=block"},
                                           {kLabelsAnnotation, "app=nginx"}});
    REQUIRE(ok);
    CHECK(ok->postures.file == Posture::Block);
    CHECK(ok->labels == "app=nginx");
}

TEST_CASE("pod_identity: labels are known exactly when given, for every caller")
{
    const auto policies = policy::parse(kadapter::demo::kPosterPolicy, "poster.yaml").policies; // app=nginx
    auto rules_for = [&](const policy::PodIdentity& pod) { return policy::compile(policies, pod).size(); };

    auto unknown = pod_identity("nginx", "default", std::nullopt);
    CHECK_FALSE(unknown.labels_known);
    CHECK(rules_for(unknown) == 1); // the sender resolved the selector

    auto none = pod_identity("nginx", "default", "");
    CHECK(none.labels_known);
    CHECK(none.labels.empty());
    CHECK(rules_for(none) == 0); // known to have no app=nginx

    CHECK(rules_for(pod_identity("nginx", "default", "app=nginx")) == 1);
    CHECK(rules_for(pod_identity("nginx", "default", "app=web, tier=front")) == 0);
    CHECK(rules_for(pod_identity("nginx", "", "app=nginx")) == 1);     // namespace not compared
    CHECK(rules_for(pod_identity("nginx", "shop", "app=nginx")) == 0); // the policy is in default
    CHECK(pod_identity("web", "shop", "app=web").container_name == "web");

    try {
        pod_identity("nginx", "default", "app");
        FAIL("a label without '=' was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::InvalidPolicy);
        CHECK(std::string(e.what()).find("'app' is not key=value") != std::string::npos);
    }

    // An empty labels annotation is given, as in the C API and the CLI.
    auto pod =
        pod_policy_from_annotations({{kPolicyAnnotation, kadapter::demo::kPosterPolicy}, {kLabelsAnnotation, ""}});
    REQUIRE(pod);
    CHECK(pod_identity("nginx", "default", pod->labels).labels_known);
    auto absent = pod_policy_from_annotations({{kPolicyAnnotation, kadapter::demo::kPosterPolicy}});
    REQUIRE(absent);
    CHECK_FALSE(pod_identity("nginx", "default", absent->labels).labels_known);
}

TEST_CASE("the C API's labels argument follows pod_identity's rule")
{
    auto count = [](const char* labels) {
        kadapter_ruleset* rs = nullptr;
        REQUIRE(kadapter_ruleset_from_policy(kadapter::demo::kPosterPolicy, "nginx", labels, nullptr, &rs) ==
                KADAPTER_OK);
        size_t n = kadapter_ruleset_rule_count(rs);
        kadapter_ruleset_free(rs);
        return n;
    };
    CHECK(count(nullptr) == 1);
    CHECK(count("") == 0);
    CHECK(count("app=nginx") == 1);
    CHECK(count("app=web") == 0);
    kadapter_ruleset* rs = nullptr;
    CHECK(kadapter_ruleset_from_policy(kadapter::demo::kPosterPolicy, "nginx", "app", nullptr, &rs) ==
          KADAPTER_ERR_INVALID_POLICY);
    CHECK(rs == nullptr);
}
