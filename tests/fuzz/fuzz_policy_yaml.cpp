// libFuzzer target: the policy YAML parser, and the properties every
// policy it accepts must have: it renders to YAML that parses back to the
// same policy, survives the compact form unchanged, and compiles or is
// refused with a kadapter::Error (never anything else).
#include <cstddef>
#include <cstdint>
#include <string>

#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"
#include "kadapter/policy.hpp"

namespace {

kadapter::policy::Policy content(kadapter::policy::Policy p)
{
    p.input.clear();
    p.line = 0;
    p.yaml.clear();
    p.positions.clear();
    return p;
}

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace kadapter;
    const std::string text(reinterpret_cast<const char*>(data), size);
    policy::ParseResult r = policy::parse(text, "fuzz");
    for (const auto& d : r.diagnostics)
        (void)d.str();
    for (const auto& p : r.policies) {
        policy::ParseResult again = policy::parse(policy::render_yaml(p), "rendered");
        check(again.ok() && again.policies.size() == 1 && content(again.policies[0]) == content(p));

        policy::ParseResult decoded = decode_compact(encode_compact({p}), "compact");
        check(decoded.ok() && decoded.policies.size() == 1 && content(decoded.policies[0]) == content(p));

        try {
            std::vector<policy::Diagnostic> diags;
            RuleSet rs = policy::compile_policy(p, {}, &diags);
            (void)rs;
        } catch (const Error&) {
        }
    }
    return 0;
}
