// The poster's policy end to end: parse, compile, errors, annotations.
#include <catch2/catch.hpp>

#include "kadapter/annotations.hpp"
#include "kadapter/error.hpp"
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
    CHECK(ok->labels_known);
    CHECK(ok->labels.at("app") == "nginx");
}
