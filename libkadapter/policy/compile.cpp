// Policies -> RuleSet: selector evaluation, KubeArmor's inheritance of
// severity/tags/message/action (rule, then section, then spec; Block by
// default), fromSource expansion and deduplication.
#include <algorithm>

#include "kadapter/error.hpp"
#include "kadapter/policy.hpp"
#include "vocabulary.hpp"

namespace kadapter::policy {
namespace {

struct Inherited {
    RuleOrigin origin;
};

RuleOrigin origin_of(const Policy& p, const Meta& section, const Meta& rule, const std::string& field)
{
    RuleOrigin o;
    o.policy = p.name;
    o.namespace_ = p.namespace_;
    o.field = field;
    o.severity = rule.severity ? rule.severity : section.severity ? section.severity : p.meta.severity;
    o.tags = !rule.tags.empty() ? rule.tags : !section.tags.empty() ? section.tags : p.meta.tags;
    o.message = !rule.message.empty() ? rule.message : !section.message.empty() ? section.message : p.meta.message;
    o.action = rule.action ? *rule.action : section.action ? *section.action : p.meta.action.value_or(Action::Block);
    return o;
}

class Collector {
public:
    explicit Collector(RuleSet& rs) : rs_(rs) {}

    uint32_t origin(RuleOrigin o)
    {
        for (size_t i = 0; i < rs_.origins.size(); ++i)
            if (rs_.origins[i] == o)
                return static_cast<uint32_t>(i);
        rs_.origins.push_back(std::move(o));
        return static_cast<uint32_t>(rs_.origins.size() - 1);
    }

    template <typename Rule> void add(std::vector<Rule>& into, const Rule& rule)
    {
        auto same = [&](const Rule& r) {
            Rule a = r, b = rule;
            a.origin = b.origin = 0;
            return a == b;
        };
        if (std::none_of(into.begin(), into.end(), same))
            into.push_back(rule);
    }

private:
    RuleSet& rs_;
};

std::vector<std::string> sources_of(const std::vector<FromSource>& from)
{
    std::vector<std::string> out;
    for (const auto& s : from)
        if (!s.path.empty())
            out.push_back(s.path);
    if (out.empty())
        out.push_back("");
    return out;
}

void compile_paths(const Policy& p, const PathSection& section, bool process, Collector& c, std::vector<PathRule>& out)
{
    for (const auto& mp : section.paths) {
        if (!mp.allowed_args.empty())
            throw Error(Errc::InvalidPolicy, p.input + ": policy " + p.name + ": " + mp.field +
                                                 ".allowedArgs cannot be enforced in the kernel by this build");
        RuleOrigin o = origin_of(p, section.meta, mp.meta, mp.field);
        PathRule r;
        r.match = mp.execname.empty() ? PathMatch::Exact : PathMatch::ExecName;
        r.path = mp.execname.empty() ? mp.path : mp.execname;
        r.action = o.action;
        r.read_only = mp.read_only;
        r.owner_only = mp.owner_only;
        r.no_tty = mp.pts.has_value() && !*mp.pts;
        r.origin = c.origin(o);
        for (const auto& src : sources_of(mp.from_source)) {
            r.source = src;
            c.add(out, r);
        }
    }
    for (const auto& md : section.directories) {
        RuleOrigin o = origin_of(p, section.meta, md.meta, md.field);
        PathRule r;
        r.match = md.recursive ? PathMatch::RecursiveDirectory : PathMatch::Directory;
        r.path = md.dir;
        r.action = o.action;
        r.read_only = md.read_only;
        r.owner_only = md.owner_only;
        r.no_tty = md.pts.has_value() && !*md.pts;
        r.origin = c.origin(o);
        for (const auto& src : sources_of(md.from_source)) {
            r.source = src;
            c.add(out, r);
        }
    }
    for (const auto& pat : section.patterns) {
        RuleOrigin o = origin_of(p, section.meta, pat.meta, pat.field);
        PathRule r;
        r.match = PathMatch::Pattern;
        r.path = pat.pattern;
        r.action = o.action;
        r.read_only = pat.read_only;
        r.owner_only = pat.owner_only;
        r.origin = c.origin(o);
        c.add(out, r);
    }
    (void)process;
}

bool label_matches(const std::map<std::string, std::string>& labels, const std::string& kv)
{
    auto eq = kv.find('=');
    if (eq == std::string::npos)
        return labels.count(kv) > 0;
    auto it = labels.find(kv.substr(0, eq));
    return it != labels.end() && it->second == kv.substr(eq + 1);
}

} // namespace

bool selects(const Policy& p, const PodIdentity& pod)
{
    const Selector& s = p.selector;
    if (!s.container_names.empty() &&
        std::find(s.container_names.begin(), s.container_names.end(), pod.container_name) == s.container_names.end())
        return false;
    if (p.kind == "KubeArmorPolicy" && !p.namespace_.empty() && !pod.namespace_.empty() &&
        p.namespace_ != pod.namespace_)
        return false;

    // Without labels, whoever wrote the annotation resolved the selector.
    if (!pod.labels_known)
        return true;
    for (const auto& [k, v] : s.match_labels) {
        auto it = pod.labels.find(k);
        if (it == pod.labels.end() || it->second != v)
            return false;
    }
    // KubeArmor: In expressions take precedence; NotIn only counts when
    // there is no In expression.
    bool has_in = std::any_of(s.match_expressions.begin(), s.match_expressions.end(),
                              [](const MatchExpression& e) { return e.op == "In"; });
    for (const auto& e : s.match_expressions) {
        if (has_in && e.op != "In")
            continue;
        bool any = std::any_of(e.values.begin(), e.values.end(), [&](const std::string& v) {
            return e.key == "namespace" ? v == pod.namespace_ : label_matches(pod.labels, v);
        });
        if (e.op == "In" ? !any : any)
            return false;
    }
    return true;
}

RuleSet compile(const std::vector<Policy>& policies, const PodIdentity& pod, const Postures& postures)
{
    RuleSet rs;
    rs.file_posture = postures.file;
    rs.network_posture = postures.network;
    rs.capabilities_posture = postures.capabilities;
    Collector c(rs);

    for (const auto& p : policies) {
        if (!selects(p, pod))
            continue;
        compile_paths(p, p.process, true, c, rs.process);
        compile_paths(p, p.file, false, c, rs.file);

        for (const auto& mp : p.network.protocols) {
            RuleOrigin o = origin_of(p, p.network.meta, mp.meta, mp.field);
            NetworkRule r;
            r.action = o.action;
            r.no_tty = mp.pts.has_value() && !*mp.pts;
            r.origin = c.origin(o);
            std::vector<Protocol> protos;
            if (mp.protocol == "all")
                protos = {Protocol::Stream,    Protocol::Dgram, Protocol::Raw,   Protocol::Rdm,
                          Protocol::Seqpacket, Protocol::Dccp,  Protocol::Packet};
            else
                protos = {*protocol_of(mp.protocol)};
            for (auto proto : protos)
                for (const auto& src : sources_of(mp.from_source)) {
                    r.protocol = proto;
                    r.source = src;
                    c.add(rs.network, r);
                }
        }
        if (!p.network.dns_queries.empty())
            throw Error(Errc::InvalidPolicy, p.input + ": policy " + p.name + ": " + p.network.dns_queries[0].field +
                                                 ": matchDNSQueries cannot be enforced by this build");
        for (const auto& mc : p.capabilities.capabilities) {
            RuleOrigin o = origin_of(p, p.capabilities.meta, mc.meta, mc.field);
            CapabilityRule r;
            r.capability = *capability_number(mc.capability);
            r.action = o.action;
            r.origin = c.origin(o);
            for (const auto& src : sources_of(mc.from_source)) {
                r.source = src;
                c.add(rs.capabilities, r);
            }
        }
        for (const auto& preset : p.presets) {
            if (preset.name == "filelessExec")
                rs.fileless_exec = preset.action.value_or(p.meta.action.value_or(Action::Block));
            else
                throw Error(Errc::InvalidPolicy, p.input + ": policy " + p.name + ": " + preset.field + ": preset '" +
                                                     preset.name + "' cannot be enforced by this build");
        }
    }
    return rs;
}

} // namespace kadapter::policy
