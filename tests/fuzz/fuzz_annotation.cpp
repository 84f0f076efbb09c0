// libFuzzer target: the policy annotation decoder. The first byte picks
// what the rest is: 0, the annotation value as the guest receives it (YAML,
// or a compact value with its base64 and zlib envelope); 1, a protobuf
// payload, which is wrapped in a valid envelope so the fuzzer reaches the
// message decoder and the validator behind it.
#include <google/protobuf/stubs/logging.h>
#include <yaml-cpp/binary.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "kadapter/annotations.hpp"
#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"

namespace {

std::string wrap(const std::string& payload)
{
    uLongf size = compressBound(payload.size());
    std::string z(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(payload.data()),
                  payload.size(), 1) != Z_OK)
        return {};
    z.resize(size);
    return "kadapter:v1:" + YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(z.data()), z.size());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // protobuf logs every invalid UTF-8 string it refuses; the refusal is what counts.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace kadapter;
    if (size == 0)
        return 0;
    std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string value = data[0] & 1 ? wrap(rest) : rest;
    try {
        auto pod = pod_policy_from_annotations(
            {{kPolicyAnnotation, value}, {kLabelsAnnotation, "app=web"}, {kPostureAnnotation, "file=block"}});
        if (pod) {
            // What the guest does next with a policy it accepted.
            policy::PodIdentity who = pod_identity("app", "default", pod->labels);
            RuleSet rs = policy::compile(pod->policies, who, pod->postures);
            (void)rs;
            (void)decode_policy_annotation(value);
        }
    } catch (const Error&) {
    }
    return 0;
}
