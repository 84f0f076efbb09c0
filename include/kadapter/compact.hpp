// The compact form of the policy annotation, for policy sets too large to
// carry as YAML: "kadapter:v1:" + base64(zlib(kadapter.PolicySet)), the
// protobuf-lite message of proto/kadapter_policy.proto (docs/annotations.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kadapter/export.h"
#include "kadapter/policy.hpp"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

inline constexpr std::string_view kCompactPrefix = "kadapter:v1:";
// Kubernetes caps the annotations of one object at 256 KiB in total; the
// CLI checks what it writes against it.
inline constexpr size_t kMaxAnnotationBytes = 256 * 1024;
// The largest policy value the guest reads, YAML or compact: the annotation
// limit does not bind values sent over the agent's PolicyService.
inline constexpr size_t kMaxPolicyValueBytes = 4 * 1024 * 1024;
// What a compact value may inflate to: far more than any real policy set
// needs, far less than a decompression bomb would take.
inline constexpr size_t kMaxCompactPayloadBytes = 4 * 1024 * 1024;

// Encodes (valid) policies. Deterministic: equal policies, equal value.
std::string encode_compact(const std::vector<policy::Policy>& policies);

// Whether `value` claims to be a compact form ("kadapter:" prefix, any version).
bool is_compact(std::string_view value);

// Decodes and validates a compact value. Unknown versions, corrupt base64,
// zlib or protobuf, payloads that are not the canonical encoding (unknown
// fields), values over kMaxPolicyValueBytes and payloads inflating past
// kMaxCompactPayloadBytes are errors in the result.
policy::ParseResult decode_compact(std::string_view value, std::string_view input = "annotation");

} // namespace kadapter

KADAPTER_PUBLIC_END
