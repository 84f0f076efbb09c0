// The annotations: the compact form's round trips and every way it can be
// corrupt, and the sibling posture and labels annotations.
#include <catch2/catch.hpp>

#include <yaml-cpp/binary.h>
#include <zlib.h>

#include "kadapter/annotations.hpp"
#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"
#include "kadapter_policy.pb.h"

using namespace kadapter;

namespace {

constexpr const char* kPolicies = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: web-files
  namespace: shop
spec:
  selector:
    matchLabels:
      app: web
      kubearmor.io/container.name: "[nginx]"
  file:
    severity: 4
    matchPaths:
      - path: /etc/shadow
        readOnly: true
        pts: false
        fromSource: [{path: /usr/sbin/nginx}]
    matchDirectories:
      - dir: /run/secrets/
        recursive: true
        action: Block
    matchPatterns:
      - pattern: /home/**/.ssh/*
  process:
    action: Allow
    matchPaths:
      - execname: nginx
      - path: /bin/sh
        pts: true
  network:
    matchProtocols:
      - protocol: tcp,UDP
        tags: [net]
  capabilities:
    matchCapabilities:
      - capability: cap_net_raw
        message: "raw sockets"
  syscalls:
    matchSyscalls: [{syscall: [unlink]}]
  presets: [{name: filelessExec, action: Audit}]
  message: "123"
  action: Audit
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorClusterPolicy
metadata: {name: everywhere}
spec:
  selector:
    matchExpressions: [{key: namespace, operator: NotIn, values: [kube-system]}]
  file:
    matchPaths: [{path: /etc/passwd}]
)";

std::vector<policy::Policy> parsed()
{
    auto r = policy::parse(kPolicies, "p.yaml");
    INFO(r.errors());
    REQUIRE(r.ok());
    REQUIRE(r.policies.size() == 2);
    return r.policies;
}

// What survives the compact form: not where the policy was read from.
std::vector<policy::Policy> content(std::vector<policy::Policy> ps)
{
    for (auto& p : ps) {
        p.input.clear();
        p.line = 0;
        p.yaml.clear();
        p.positions.clear();
    }
    return ps;
}

std::string zlib(const std::string& data, int level = 9)
{
    uLongf size = compressBound(data.size());
    std::string out(size, '\0');
    REQUIRE(compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                      data.size(), level) == Z_OK);
    out.resize(size);
    return out;
}

std::string b64(const std::string& data)
{
    return YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string compact_of(const std::string& payload)
{
    return "kadapter:v1:" + b64(zlib(payload));
}

// The one error a corrupt value gives.
std::string decode_error(const std::string& value)
{
    auto r = decode_compact(value, "ann");
    if (r.ok())
        return "(decoded)";
    REQUIRE(r.policies.empty());
    return r.errors();
}

} // namespace

TEST_CASE("the compact form round-trips every field")
{
    auto ps = parsed();
    std::string value = encode_compact(ps);
    CHECK(value.starts_with("kadapter:v1:"));
    CHECK(value.find_first_of(" \n") == std::string::npos);
    auto r = decode_compact(value, "ann");
    INFO(r.errors());
    REQUIRE(r.ok());
    CHECK(content(r.policies) == content(ps));
    // Deterministic: the same policies give the same value.
    CHECK(encode_compact(ps) == value);
}

TEST_CASE("a compact annotation and the YAML it came from compile to the same rule set")
{
    auto ps = parsed();
    policy::PodIdentity nginx{"nginx", "shop", {{"app", "web"}}, true};
    auto from_yaml = pod_policy_from_annotations({{kPolicyAnnotation, kPolicies}});
    auto from_compact = pod_policy_from_annotations({{kPolicyAnnotation, encode_compact(ps)}});
    REQUIRE(from_yaml);
    REQUIRE(from_compact);
    RuleSet a = policy::compile(from_yaml->policies, nginx);
    RuleSet b = policy::compile(from_compact->policies, nginx);
    CHECK_FALSE(a.empty());
    CHECK(a == b);
}

TEST_CASE("decode_policy_annotation shows a compact value as YAML")
{
    auto ps = parsed();
    std::string yaml = decode_policy_annotation(encode_compact(ps));
    auto again = policy::parse(yaml, "shown.yaml");
    INFO(yaml);
    REQUIRE(again.ok());
    CHECK(content(again.policies) == content(ps));
    CHECK(decode_policy_annotation(kPolicies) == kPolicies);
    CHECK_THROWS_AS(decode_policy_annotation("kadapter:v1:AAAA"), Error);
}

TEST_CASE("compact values that are not v1")
{
    CHECK(decode_error("kadapter:v2:AAAA").find("unknown version 'v2' (this build reads kadapter:v1:)") !=
          std::string::npos);
    CHECK(decode_error("kadapter:").find("unknown version ''") != std::string::npos);
    // Anything else starting with "kadapter:" is taken for a compact value, never for YAML.
    CHECK_THROWS_AS(pod_policy_from_annotations({{kPolicyAnnotation, "kadapter: yes"}}), Error);
}

TEST_CASE("corrupt base64")
{
    CHECK(decode_error("kadapter:v1:").find("the base64 payload is empty") != std::string::npos);
    CHECK(decode_error("kadapter:v1:abc").find("not a multiple of 4") != std::string::npos);
    CHECK(decode_error("kadapter:v1:ab$c").find("invalid base64 character at offset 2") != std::string::npos);
    CHECK(decode_error("kadapter:v1:ab c").find("invalid base64 character") != std::string::npos);
    CHECK(decode_error("kadapter:v1:a=bc").find("invalid base64 character at offset 1") != std::string::npos);
    CHECK(decode_error("kadapter:v1:QR==").find("not canonical") != std::string::npos); // padding bits set
}

TEST_CASE("corrupt zlib")
{
    CHECK(decode_error("kadapter:v1:" + b64("not zlib at all")).find("corrupt zlib data") != std::string::npos);
    std::string z = zlib("some payload bytes that compress");
    CHECK(decode_error("kadapter:v1:" + b64(z.substr(0, z.size() - 6))).find("truncated") != std::string::npos);
    CHECK(decode_error("kadapter:v1:" + b64(z + "xx")).find("2 bytes follow the end of the zlib stream") !=
          std::string::npos);
    std::string flipped = z;
    flipped[z.size() - 1] ^= 0x55; // the Adler-32 checksum
    CHECK(decode_error("kadapter:v1:" + b64(flipped)).find("corrupt zlib data") != std::string::npos);
}

TEST_CASE("a decompression bomb is refused")
{
    // 64 MiB of zeros compress to about 64 KiB: under the annotation limit.
    std::string bomb = compact_of(std::string(64u << 20, '\0'));
    REQUIRE(bomb.size() < kMaxAnnotationBytes); // it would fit in an annotation
    CHECK(decode_error(bomb).find("inflates to more than 4194304 bytes") != std::string::npos);
}

TEST_CASE("oversized values are refused before decoding")
{
    std::string big = "kadapter:v1:" + std::string(kMaxPolicyValueBytes, 'A');
    CHECK(decode_error(big).find("the most a policy value may take is 4194304") != std::string::npos);
    auto r = parse_policy_annotation(std::string(kMaxPolicyValueBytes + 1, '#'));
    CHECK_FALSE(r.ok());
    CHECK(r.errors().find("the most a policy value may take") != std::string::npos);
    // Values past Kubernetes' annotation limit still come over the PolicyService.
    CHECK(parse_policy_annotation("# a comment\n" + std::string(kMaxAnnotationBytes, '#')).ok());
}

TEST_CASE("corrupt or unexpected protobuf")
{
    CHECK(decode_error(compact_of("\xff\xff\xff")).find("the protobuf payload is corrupt") != std::string::npos);
    CHECK(decode_error(compact_of("")).find("holds no policy") != std::string::npos);

    // A valid payload with a field this version does not know.
    PolicySet set;
    auto* p = set.add_policies();
    p->set_kind(KubeArmorPolicy::KUBEARMOR_POLICY);
    p->set_name("known");
    p->mutable_file()->set_present(true);
    p->mutable_file()->add_match_paths()->set_path("/etc/passwd");
    std::string payload = set.SerializeAsString();
    REQUIRE(decode_compact(compact_of(payload)).ok());
    std::string extra = payload;
    extra += std::string("\x78\x01", 2); // field 15, varint 1
    CHECK(decode_error(compact_of(extra)).find("not the canonical encoding") != std::string::npos);
}

TEST_CASE("decoded policies are validated like YAML")
{
    PolicySet set;
    auto* p = set.add_policies();
    p->set_kind(KubeArmorPolicy::KUBEARMOR_POLICY);
    p->set_name("bad-dir");
    p->mutable_file()->set_present(true);
    p->mutable_file()->add_match_directories()->set_dir("/no-slash");
    CHECK(decode_error(compact_of(set.SerializeAsString()))
              .find("spec.file.matchDirectories[0].dir: '/no-slash' is not a directory") != std::string::npos);

    PolicySet enums;
    auto* q = enums.add_policies();
    q->set_kind(static_cast<KubeArmorPolicy::Kind>(7));
    q->set_name("enums");
    q->mutable_meta()->set_action(static_cast<KubeArmorPolicy::Action>(9));
    q->mutable_meta()->set_severity(11);
    std::string errors = decode_error(compact_of(enums.SerializeAsString()));
    CHECK(errors.find("kind: unknown kind value 7") != std::string::npos);
    CHECK(errors.find("spec.action: unknown action value 9") != std::string::npos);
    CHECK(errors.find("spec.severity: 11 is not between 1 and 10") != std::string::npos);
}

TEST_CASE("the posture annotation")
{
    auto p = parse_postures("file=block, network=audit,capabilities=block");
    CHECK(p.file == Posture::Block);
    CHECK(p.network == Posture::Audit);
    CHECK(p.capabilities == Posture::Block);
    CHECK(format_postures(p) == "file=block,network=audit,capabilities=block");
    CHECK(parse_postures("").file == Posture::Audit); // KubeArmor's default
    CHECK_THROWS_WITH(parse_postures("file=deny"), Catch::Contains("'deny' for file is not block or audit"));
    CHECK_THROWS_WITH(parse_postures("dns=block"), Catch::Contains("unknown category 'dns'"));
    CHECK_THROWS_WITH(parse_postures("process=block"), Catch::Contains("it follows file"));
    CHECK_THROWS_WITH(parse_postures("file=block,file=audit"), Catch::Contains("'file' is given twice"));
    CHECK_THROWS_WITH(parse_postures("file"), Catch::Contains("is not key=value"));
}

TEST_CASE("the labels annotation")
{
    auto l = parse_labels("app=web, tier=front,empty=");
    CHECK(l == std::map<std::string, std::string>{{"app", "web"}, {"tier", "front"}, {"empty", ""}});
    CHECK(format_labels(l) == "app=web,empty=,tier=front");
    CHECK_THROWS_AS(parse_labels("=x"), Error);
    CHECK_THROWS_AS(parse_labels("a=1,a=2"), Error);
    CHECK_THROWS_AS(format_labels({{"a", "x,y"}}), Error);
}

TEST_CASE("pod_policy_from_annotations reads all three annotations and fails closed")
{
    CHECK_FALSE(pod_policy_from_annotations({{kLabelsAnnotation, "app=web"}}).has_value());
    auto pod = pod_policy_from_annotations({{kPolicyAnnotation, encode_compact(parsed())},
                                            {kPostureAnnotation, "file=block"},
                                            {kLabelsAnnotation, "app=web"}});
    REQUIRE(pod);
    CHECK(pod->policies.size() == 2);
    CHECK(pod->postures.file == Posture::Block);
    CHECK(pod->labels == "app=web");
    CHECK_THROWS_AS(pod_policy_from_annotations({{kPolicyAnnotation, "apiVersion: v1\nkind: Pod\n"}}), Error);
    CHECK_THROWS_AS(pod_policy_from_annotations({{kPolicyAnnotation, kPolicies}, {kLabelsAnnotation, "broken"}}),
                    Error);
}
