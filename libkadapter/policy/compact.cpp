#include "kadapter/compact.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <yaml-cpp/binary.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "kadapter/error.hpp"
#include "kadapter_policy.pb.h"
#include "report.hpp"
#include "validate.hpp"

namespace kadapter {
namespace {

using Pb = KubeArmorPolicy;

// A failure of the envelope (base64, zlib, protobuf), reported as one error.
struct Corrupt {
    std::string why;
};

// ---- model -> message ----

Pb::Action to_pb(const std::optional<Action>& a)
{
    if (!a)
        return Pb::ACTION_UNSET;
    switch (*a) {
    case Action::Allow:
        return Pb::ALLOW;
    case Action::Audit:
        return Pb::AUDIT;
    case Action::Block:
        return Pb::BLOCK;
    }
    return Pb::ACTION_UNSET;
}

// Submessages are set only when they hold something, so the encoding is
// canonical: decode_compact() re-encodes and compares.
template <typename Msg, typename Set> void set_nonempty(Msg&& m, Set&& set)
{
    if (m.ByteSizeLong() != 0)
        set(std::forward<Msg>(m));
}

void to_pb(const policy::Meta& m, Pb::Meta* out)
{
    out->set_severity(m.severity);
    for (const auto& t : m.tags)
        out->add_tags(t);
    out->set_message(m.message);
    out->set_action(to_pb(m.action));
}

template <typename Parent> void set_meta(const policy::Meta& m, Parent* parent)
{
    Pb::Meta out;
    to_pb(m, &out);
    set_nonempty(std::move(out), [&](Pb::Meta&& v) { *parent->mutable_meta() = std::move(v); });
}

template <typename Repeated> void to_pb(const std::vector<policy::FromSource>& from, Repeated* out)
{
    for (const auto& s : from) {
        auto* f = out->Add();
        f->set_path(s.path);
        f->set_dir(s.dir);
        f->set_recursive(s.recursive);
    }
}

void to_pb(const policy::PathSection& s, Pb::PathSection* out)
{
    out->set_present(s.present);
    for (const auto& mp : s.paths) {
        auto* r = out->add_match_paths();
        r->set_path(mp.path);
        r->set_execname(mp.execname);
        r->set_owner_only(mp.owner_only);
        r->set_read_only(mp.read_only);
        if (mp.pts)
            r->set_pts(*mp.pts);
        to_pb(mp.from_source, r->mutable_from_source());
        for (const auto& a : mp.allowed_args)
            r->add_allowed_args(a);
        set_meta(mp.meta, r);
    }
    for (const auto& md : s.directories) {
        auto* r = out->add_match_directories();
        r->set_dir(md.dir);
        r->set_recursive(md.recursive);
        r->set_owner_only(md.owner_only);
        r->set_read_only(md.read_only);
        if (md.pts)
            r->set_pts(*md.pts);
        to_pb(md.from_source, r->mutable_from_source());
        set_meta(md.meta, r);
    }
    for (const auto& mp : s.patterns) {
        auto* r = out->add_match_patterns();
        r->set_pattern(mp.pattern);
        r->set_owner_only(mp.owner_only);
        r->set_read_only(mp.read_only);
        set_meta(mp.meta, r);
    }
    set_meta(s.meta, out);
}

void to_pb(const std::vector<policy::MatchSyscall>& rules, google::protobuf::RepeatedPtrField<Pb::MatchSyscall>* out)
{
    for (const auto& ms : rules) {
        auto* r = out->Add();
        for (const auto& s : ms.syscalls)
            r->add_syscalls(s);
        r->set_path(ms.path);
        r->set_recursive(ms.recursive);
        to_pb(ms.from_source, r->mutable_from_source());
    }
}

void to_pb(const policy::Policy& p, Pb* out)
{
    out->set_kind(p.kind == "KubeArmorClusterPolicy" ? Pb::KUBEARMOR_CLUSTER_POLICY : Pb::KUBEARMOR_POLICY);
    out->set_name(p.name);
    out->set_namespace_(p.namespace_);

    Pb::Selector selector;
    auto* sel = &selector;
    sel->set_present(p.selector.present);
    for (const auto& [k, v] : p.selector.match_labels)
        (*sel->mutable_match_labels())[k] = v;
    for (const auto& e : p.selector.match_expressions) {
        auto* x = sel->add_match_expressions();
        x->set_key(e.key);
        x->set_operator_(e.op);
        for (const auto& v : e.values)
            x->add_values(v);
    }
    for (const auto& c : p.selector.container_names)
        sel->add_container_names(c);
    set_nonempty(std::move(selector), [&](Pb::Selector&& v) { *out->mutable_selector() = std::move(v); });

    Pb::PathSection process, file;
    to_pb(p.process, &process);
    to_pb(p.file, &file);
    set_nonempty(std::move(process), [&](Pb::PathSection&& v) { *out->mutable_process() = std::move(v); });
    set_nonempty(std::move(file), [&](Pb::PathSection&& v) { *out->mutable_file() = std::move(v); });

    Pb::NetworkSection network;
    auto* net = &network;
    net->set_present(p.network.present);
    for (const auto& mp : p.network.protocols) {
        auto* r = net->add_match_protocols();
        for (const auto& name : mp.protocols)
            r->add_protocols(name);
        if (mp.pts)
            r->set_pts(*mp.pts);
        to_pb(mp.from_source, r->mutable_from_source());
        set_meta(mp.meta, r);
    }
    for (const auto& q : p.network.dns_queries) {
        auto* r = net->add_match_dns_queries();
        for (const auto& d : q.domains)
            r->add_domains(d);
        to_pb(q.from_source, r->mutable_from_source());
        set_meta(q.meta, r);
    }
    set_meta(p.network.meta, net);
    set_nonempty(std::move(network), [&](Pb::NetworkSection&& v) { *out->mutable_network() = std::move(v); });

    Pb::CapabilitiesSection capabilities;
    auto* caps = &capabilities;
    caps->set_present(p.capabilities.present);
    for (const auto& mc : p.capabilities.capabilities) {
        auto* r = caps->add_match_capabilities();
        for (const auto& c : mc.capabilities)
            r->add_capabilities(c);
        to_pb(mc.from_source, r->mutable_from_source());
        set_meta(mc.meta, r);
    }
    set_meta(p.capabilities.meta, caps);
    set_nonempty(std::move(capabilities),
                 [&](Pb::CapabilitiesSection&& v) { *out->mutable_capabilities() = std::move(v); });

    Pb::SyscallsSection syscalls;
    auto* sys = &syscalls;
    sys->set_present(p.syscalls.present);
    to_pb(p.syscalls.match_syscalls, sys->mutable_match_syscalls());
    to_pb(p.syscalls.match_paths, sys->mutable_match_paths());
    set_meta(p.syscalls.meta, sys);
    set_nonempty(std::move(syscalls), [&](Pb::SyscallsSection&& v) { *out->mutable_syscalls() = std::move(v); });

    for (const auto& preset : p.presets) {
        auto* r = out->add_presets();
        r->set_name(preset.name);
        r->set_action(to_pb(preset.action));
    }
    out->set_apparmor(p.apparmor);
    set_meta(p.meta, out);
}

std::string serialize(const PolicySet& set)
{
    std::string out;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true); // maps in key order
        set.SerializeWithCachedSizes(&coded);
    }
    return out;
}

std::string payload_of(const std::vector<policy::Policy>& policies)
{
    PolicySet set;
    for (const auto& p : policies)
        to_pb(p, set.add_policies());
    set.ByteSizeLong(); // caches the sizes SerializeWithCachedSizes uses
    return serialize(set);
}

// ---- message -> model ----

// The message came from outside: enum values and ranges are checked here,
// everything else by the policy validator.
class FromPb {
public:
    explicit FromPb(policy::Reporter& r) : r_(r) {}

    std::optional<Action> action(Pb::Action a, const std::string& field)
    {
        switch (a) {
        case Pb::ACTION_UNSET:
            return std::nullopt;
        case Pb::ALLOW:
            return Action::Allow;
        case Pb::AUDIT:
            return Action::Audit;
        case Pb::BLOCK:
            return Action::Block;
        default:
            r_.error(field, "unknown action value " + std::to_string(static_cast<int>(a)));
            return std::nullopt;
        }
    }

    policy::Meta meta(const Pb::Meta& m, const std::string& field)
    {
        policy::Meta out;
        if (m.severity() < 0 || m.severity() > 10)
            r_.error(field + ".severity", std::to_string(m.severity()) + " is not between 1 and 10");
        else
            out.severity = m.severity();
        out.tags.assign(m.tags().begin(), m.tags().end());
        out.message = m.message();
        out.action = action(m.action(), field + ".action");
        return out;
    }

    template <typename Repeated> std::vector<policy::FromSource> sources(const Repeated& in)
    {
        std::vector<policy::FromSource> out;
        for (const auto& s : in)
            out.push_back({s.path(), s.dir(), s.recursive()});
        return out;
    }

    policy::PathSection path_section(const Pb::PathSection& s, const std::string& field)
    {
        policy::PathSection out;
        out.present = s.present();
        for (int i = 0; i < s.match_paths_size(); ++i) {
            const auto& in = s.match_paths(i);
            policy::MatchPath mp;
            mp.field = policy::indexed(field + ".matchPaths", i);
            mp.path = in.path();
            mp.execname = in.execname();
            mp.owner_only = in.owner_only();
            mp.read_only = in.read_only();
            if (in.has_pts())
                mp.pts = in.pts();
            mp.from_source = sources(in.from_source());
            mp.allowed_args.assign(in.allowed_args().begin(), in.allowed_args().end());
            mp.meta = meta(in.meta(), mp.field);
            out.paths.push_back(std::move(mp));
        }
        for (int i = 0; i < s.match_directories_size(); ++i) {
            const auto& in = s.match_directories(i);
            policy::MatchDirectory md;
            md.field = policy::indexed(field + ".matchDirectories", i);
            md.dir = in.dir();
            md.recursive = in.recursive();
            md.owner_only = in.owner_only();
            md.read_only = in.read_only();
            if (in.has_pts())
                md.pts = in.pts();
            md.from_source = sources(in.from_source());
            md.meta = meta(in.meta(), md.field);
            out.directories.push_back(std::move(md));
        }
        for (int i = 0; i < s.match_patterns_size(); ++i) {
            const auto& in = s.match_patterns(i);
            policy::MatchPattern mp;
            mp.field = policy::indexed(field + ".matchPatterns", i);
            mp.pattern = in.pattern();
            mp.owner_only = in.owner_only();
            mp.read_only = in.read_only();
            mp.meta = meta(in.meta(), mp.field);
            out.patterns.push_back(std::move(mp));
        }
        out.meta = meta(s.meta(), field);
        return out;
    }

    std::vector<policy::MatchSyscall> syscalls(const google::protobuf::RepeatedPtrField<Pb::MatchSyscall>& in,
                                               const std::string& field)
    {
        std::vector<policy::MatchSyscall> out;
        for (int i = 0; i < in.size(); ++i) {
            policy::MatchSyscall ms;
            ms.field = policy::indexed(field, i);
            ms.syscalls.assign(in[i].syscalls().begin(), in[i].syscalls().end());
            ms.path = in[i].path();
            ms.recursive = in[i].recursive();
            ms.from_source = sources(in[i].from_source());
            out.push_back(std::move(ms));
        }
        return out;
    }

    policy::Policy policy(const Pb& in, const std::string& input)
    {
        policy::Policy p;
        p.input = input;
        switch (in.kind()) {
        case Pb::KUBEARMOR_POLICY:
            p.kind = "KubeArmorPolicy";
            break;
        case Pb::KUBEARMOR_CLUSTER_POLICY:
            p.kind = "KubeArmorClusterPolicy";
            break;
        default:
            r_.error("kind", "unknown kind value " + std::to_string(static_cast<int>(in.kind())));
        }
        p.name = in.name();
        p.namespace_ = in.namespace_();

        const auto& sel = in.selector();
        p.selector.present = sel.present();
        p.selector.match_labels.insert(sel.match_labels().begin(), sel.match_labels().end());
        for (int i = 0; i < sel.match_expressions_size(); ++i) {
            const auto& e = sel.match_expressions(i);
            p.selector.match_expressions.push_back({e.key(),
                                                    e.operator_(),
                                                    {e.values().begin(), e.values().end()},
                                                    policy::indexed("spec.selector.matchExpressions", i)});
        }
        p.selector.container_names.assign(sel.container_names().begin(), sel.container_names().end());
        if (p.selector.match_labels.count(policy::kContainerNameLabel))
            r_.error("spec.selector.matchLabels", "holds kubearmor.io/container.name as a label");

        p.process = path_section(in.process(), "spec.process");
        p.file = path_section(in.file(), "spec.file");

        const auto& net = in.network();
        p.network.present = net.present();
        for (int i = 0; i < net.match_protocols_size(); ++i) {
            const auto& r = net.match_protocols(i);
            policy::MatchProtocol mp;
            mp.field = policy::indexed("spec.network.matchProtocols", i);
            mp.protocols.assign(r.protocols().begin(), r.protocols().end());
            if (r.has_pts())
                mp.pts = r.pts();
            mp.from_source = sources(r.from_source());
            mp.meta = meta(r.meta(), mp.field);
            p.network.protocols.push_back(std::move(mp));
        }
        for (int i = 0; i < net.match_dns_queries_size(); ++i) {
            const auto& r = net.match_dns_queries(i);
            policy::MatchDnsQuery q;
            q.field = policy::indexed("spec.network.matchDNSQueries", i);
            q.domains.assign(r.domains().begin(), r.domains().end());
            q.from_source = sources(r.from_source());
            q.meta = meta(r.meta(), q.field);
            p.network.dns_queries.push_back(std::move(q));
        }
        p.network.meta = meta(net.meta(), "spec.network");

        const auto& caps = in.capabilities();
        p.capabilities.present = caps.present();
        for (int i = 0; i < caps.match_capabilities_size(); ++i) {
            const auto& r = caps.match_capabilities(i);
            policy::MatchCapability mc;
            mc.field = policy::indexed("spec.capabilities.matchCapabilities", i);
            mc.capabilities.assign(r.capabilities().begin(), r.capabilities().end());
            mc.from_source = sources(r.from_source());
            mc.meta = meta(r.meta(), mc.field);
            p.capabilities.capabilities.push_back(std::move(mc));
        }
        p.capabilities.meta = meta(caps.meta(), "spec.capabilities");

        const auto& sys = in.syscalls();
        p.syscalls.present = sys.present();
        p.syscalls.match_syscalls = syscalls(sys.match_syscalls(), "spec.syscalls.matchSyscalls");
        p.syscalls.match_paths = syscalls(sys.match_paths(), "spec.syscalls.matchPaths");
        p.syscalls.meta = meta(sys.meta(), "spec.syscalls");
        if (p.syscalls.meta.action)
            r_.error("spec.syscalls.action", "syscalls rules have no action");

        for (int i = 0; i < in.presets_size(); ++i) {
            policy::Preset preset;
            preset.field = policy::indexed("spec.presets", i);
            preset.name = in.presets(i).name();
            preset.action = action(in.presets(i).action(), preset.field + ".action");
            p.presets.push_back(std::move(preset));
        }
        p.apparmor = in.apparmor();
        p.meta = meta(in.meta(), "spec");
        return p;
    }

private:
    policy::Reporter& r_;
};

// ---- envelope ----

std::string deflate(const std::string& in)
{
    uLongf size = compressBound(in.size());
    std::string out(size, '\0');
    int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                       in.size(), Z_BEST_COMPRESSION);
    if (rc != Z_OK)
        throw Error(Errc::System, "zlib compress2 failed: " + std::to_string(rc));
    out.resize(size);
    return out;
}

class Inflater {
public:
    Inflater()
    {
        if (inflateInit(&z_) != Z_OK)
            throw Corrupt{"cannot initialise zlib"};
    }
    ~Inflater() { inflateEnd(&z_); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // The whole stream, refusing more than `cap` bytes of output and any
    // byte after the end of the stream.
    std::string run(const std::string& in, size_t cap)
    {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        std::string out;
        char buf[16384];
        for (;;) {
            z_.next_out = reinterpret_cast<Bytef*>(buf);
            z_.avail_out = sizeof(buf);
            int rc = inflate(&z_, Z_NO_FLUSH);
            out.append(buf, sizeof(buf) - z_.avail_out);
            if (out.size() > cap)
                throw Corrupt{"inflates to more than " + std::to_string(cap) + " bytes (a decompression bomb?)"};
            if (rc == Z_STREAM_END)
                break;
            if (rc == Z_BUF_ERROR && z_.avail_in == 0)
                throw Corrupt{"the zlib stream is truncated"};
            if (rc != Z_OK)
                throw Corrupt{std::string("corrupt zlib data") + (z_.msg ? std::string(": ") + z_.msg : "")};
        }
        if (z_.avail_in != 0)
            throw Corrupt{std::to_string(z_.avail_in) + " bytes follow the end of the zlib stream"};
        return out;
    }

private:
    z_stream z_{};
};

std::string strict_base64(std::string_view s)
{
    if (s.empty())
        throw Corrupt{"the base64 payload is empty"};
    if (s.size() % 4)
        throw Corrupt{"the base64 payload's length is not a multiple of 4"};
    size_t pad = 0;
    while (pad < 2 && s[s.size() - 1 - pad] == '=')
        ++pad;
    for (size_t i = 0; i < s.size() - pad; ++i) {
        unsigned char c = s[i];
        if (!std::isalnum(c) && c != '+' && c != '/')
            throw Corrupt{"invalid base64 character at offset " + std::to_string(i)};
    }
    std::vector<unsigned char> bytes = YAML::DecodeBase64(std::string(s));
    // Only the canonical encoding is accepted (padding bits zero).
    if (bytes.empty() || YAML::EncodeBase64(bytes.data(), bytes.size()) != s)
        throw Corrupt{"the base64 payload is not canonical"};
    return std::string(bytes.begin(), bytes.end());
}

} // namespace

bool is_compact(std::string_view value)
{
    return value.starts_with("kadapter:");
}

std::string encode_compact(const std::vector<policy::Policy>& policies)
{
    std::string z = deflate(payload_of(policies));
    return std::string(kCompactPrefix) + YAML::EncodeBase64(reinterpret_cast<const unsigned char*>(z.data()), z.size());
}

policy::ParseResult decode_compact(std::string_view value, std::string_view input)
{
    policy::ParseResult result;
    auto fail = [&](const std::string& why) {
        policy::Diagnostic d;
        d.input = std::string(input);
        d.message = "compact form: " + why;
        result.diagnostics.push_back(std::move(d));
        return result;
    };
    if (value.size() > kMaxPolicyValueBytes)
        return fail("the value is " + std::to_string(value.size()) + " bytes; the most a policy value may take is " +
                    std::to_string(kMaxPolicyValueBytes));
    if (!value.starts_with(kCompactPrefix)) {
        std::string_view version = value.substr(std::min(value.size(), std::string_view("kadapter:").size()));
        version = version.substr(0, std::min(version.find(':'), size_t{16}));
        return fail("unknown version '" + std::string(version) + "' (this build reads " + std::string(kCompactPrefix) +
                    ")");
    }

    std::string payload;
    PolicySet set;
    try {
        payload = Inflater().run(strict_base64(value.substr(kCompactPrefix.size())), kMaxCompactPayloadBytes);
        if (!set.ParseFromString(payload))
            throw Corrupt{"the protobuf payload is corrupt"};
    } catch (const Corrupt& c) {
        return fail(c.why);
    }
    if (set.policies_size() == 0)
        return fail("holds no policy");

    std::vector<policy::Policy> policies;
    bool envelope_ok = true;
    for (int i = 0; i < set.policies_size(); ++i) {
        std::vector<policy::Diagnostic> diags;
        policy::Reporter r(std::string(input) + " (policy " + std::to_string(i) + ")", diags);
        policy::Policy p = FromPb(r).policy(set.policies(i), std::string(input));
        envelope_ok = envelope_ok && r.errors() == 0;
        if (r.errors() == 0)
            policy::check_policy(p, r);
        result.diagnostics.insert(result.diagnostics.end(), diags.begin(), diags.end());
        if (r.errors() == 0)
            policies.push_back(std::move(p));
    }
    // Unknown fields would be dropped silently; the payload must be exactly
    // what this version writes for the policies it holds.
    if (envelope_ok && policies.size() == static_cast<size_t>(set.policies_size()) && payload_of(policies) != payload)
        return fail("the protobuf payload is not the canonical encoding of a kadapter v1 policy set (unknown "
                    "fields?)");
    result.policies = std::move(policies);
    return result;
}

} // namespace kadapter
