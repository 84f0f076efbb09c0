// Policies -> RuleSet: KubeArmor's inheritance of severity/tags/message/
// action (rule, then section, then spec; Block by default), comma and `all`
// expansion, one rule per fromSource, lexical path normalisation, then
// deduplication and a canonical order, so equal policy sets give equal rule
// sets whatever order they came in (docs/policy-semantics.md).
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "kadapter/capability.hpp"
#include "kadapter/error.hpp"
#include "kadapter/policy.hpp"
#include "paths.hpp"
#include "report.hpp"
#include "vocabulary.hpp"

namespace kadapter::policy {
namespace {

RuleOrigin origin_of(const Policy& p, const Meta& section, const Meta& rule, const std::string& field)
{
    RuleOrigin o;
    o.policy = p.name;
    o.namespace_ = p.kind == "KubeArmorClusterPolicy" ? "" : p.namespace_;
    o.field = field;
    o.severity = rule.severity ? rule.severity : section.severity ? section.severity : p.meta.severity;
    o.tags = !rule.tags.empty() ? rule.tags : !section.tags.empty() ? section.tags : p.meta.tags;
    o.message = !rule.message.empty() ? rule.message : !section.message.empty() ? section.message : p.meta.message;
    if (rule.action) {
        o.action = *rule.action;
        o.action_from = ActionSource::Rule;
    } else if (section.action) {
        o.action = *section.action;
        o.action_from = ActionSource::Section;
    } else if (p.meta.action) {
        o.action = *p.meta.action;
        o.action_from = ActionSource::Spec;
    } else {
        o.action = Action::Block;
        o.action_from = ActionSource::Default;
    }
    return o;
}

std::vector<std::string> sources_of(const std::vector<FromSource>& from)
{
    std::vector<std::string> out;
    for (const auto& s : from)
        if (!s.path.empty())
            out.push_back(canonical_path(s.path));
    if (out.empty())
        out.push_back(""); // any process
    return out;
}

auto origin_key(const RuleOrigin& o)
{
    return std::tie(o.namespace_, o.policy, o.field);
}

// Rules collected with provisional origins, then deduplicated, ordered and
// given the final origin table.
class Builder {
public:
    uint32_t origin(RuleOrigin o, const Policy& from)
    {
        origins_.push_back(std::move(o));
        from_.push_back(&from);
        return static_cast<uint32_t>(origins_.size() - 1);
    }
    const RuleOrigin& origin_at(uint32_t i) const { return origins_[i]; }

    RuleSet finish(RuleSet rs, std::vector<Diagnostic>* diagnostics)
    {
        normalise(rs.process);
        normalise(rs.file);
        normalise(rs.network);
        normalise(rs.dns);
        normalise(rs.capabilities);
        if (diagnostics) {
            conflicts(rs.process, "process", diagnostics);
            conflicts(rs.file, "file", diagnostics);
            conflicts(rs.network, "network", diagnostics);
            conflicts(rs.dns, "DNS", diagnostics);
            conflicts(rs.capabilities, "capabilities", diagnostics);
        }
        // Renumber the origins in order of first use.
        std::map<uint32_t, uint32_t> renumber;
        auto remap = [&](auto& rules) {
            for (auto& r : rules) {
                auto [it, added] = renumber.emplace(r.origin, static_cast<uint32_t>(rs.origins.size()));
                if (added)
                    rs.origins.push_back(origins_[r.origin]);
                r.origin = it->second;
            }
        };
        remap(rs.process);
        remap(rs.file);
        remap(rs.network);
        remap(rs.dns);
        remap(rs.capabilities);
        return rs;
    }

private:
    static auto key_of(const PathRule& r)
    {
        return std::tie(r.match, r.path, r.source, r.action, r.read_only, r.owner_only, r.no_tty, r.allowed_args);
    }
    static auto key_of(const DnsRule& r) { return std::tie(r.domain, r.source, r.action); }
    static auto key_of(const NetworkRule& r) { return std::tie(r.protocol, r.source, r.action, r.no_tty); }
    static auto key_of(const CapabilityRule& r) { return std::tie(r.capability, r.source, r.action); }

    static auto target_of(const PathRule& r) { return std::tie(r.match, r.path, r.source); }
    static auto target_of(const NetworkRule& r) { return std::tie(r.protocol, r.source); }
    static auto target_of(const CapabilityRule& r) { return std::tie(r.capability, r.source); }
    static auto target_of(const DnsRule& r) { return std::tie(r.domain, r.source); }

    static std::string describe(const PathRule& r)
    {
        static const char* kinds[] = {"path", "directory", "recursive directory", "pattern", "execname"};
        return std::string(kinds[static_cast<int>(r.match)]) + " " + r.path +
               (r.source.empty() ? "" : " from " + r.source);
    }
    static std::string describe(const NetworkRule& r)
    {
        return std::string(protocol_word(r.protocol)) + (r.source.empty() ? "" : " from " + r.source);
    }
    static std::string describe(const DnsRule& r) { return r.domain + (r.source.empty() ? "" : " from " + r.source); }
    static std::string describe(const CapabilityRule& r)
    {
        return capability_name(r.capability) + (r.source.empty() ? "" : " from " + r.source);
    }

    // Canonical order; of identical rules the one whose origin sorts first
    // (namespace, policy, field) is kept.
    template <typename Rule> void normalise(std::vector<Rule>& rules)
    {
        std::stable_sort(rules.begin(), rules.end(), [&](const Rule& a, const Rule& b) {
            if (key_of(a) != key_of(b))
                return key_of(a) < key_of(b);
            return origin_key(origins_[a.origin]) < origin_key(origins_[b.origin]);
        });
        rules.erase(std::unique(rules.begin(), rules.end(),
                                [](const Rule& a, const Rule& b) { return key_of(a) == key_of(b); }),
                    rules.end());
    }

    // Allow and Block on the same target: legal (Block wins where both
    // apply), but rarely what the author meant.
    template <typename Rule>
    void conflicts(const std::vector<Rule>& rules, const char* category, std::vector<Diagnostic>* out)
    {
        for (size_t i = 0; i < rules.size();) {
            size_t j = i;
            const Rule* allow = nullptr;
            const Rule* block = nullptr;
            for (; j < rules.size() && target_of(rules[j]) == target_of(rules[i]); ++j) {
                if (rules[j].action == Action::Allow && !allow)
                    allow = &rules[j];
                if (rules[j].action == Action::Block && !block)
                    block = &rules[j];
            }
            if (allow && block) {
                const RuleOrigin& a = origins_[allow->origin];
                const RuleOrigin& b = origins_[block->origin];
                out->push_back(diagnostic(*from_[block->origin], Diagnostic::Level::Warning, b.field,
                                          std::string(category) + " " + describe(*block) + " is both allowed (" +
                                              a.policy + " " + a.field + ") and blocked (" + b.policy + " " + b.field +
                                              "): Block wins wherever both apply"));
            }
            i = j;
        }
    }

    std::vector<RuleOrigin> origins_;
    std::vector<const Policy*> from_; // per origin: its policy
};

void compile_paths(const Policy& p, const PathSection& section, Builder& b, std::vector<PathRule>& out)
{
    auto add = [&](PathRule r, const std::vector<FromSource>& from) {
        for (const auto& src : sources_of(from)) {
            r.source = src;
            out.push_back(r);
        }
    };
    for (const auto& mp : section.paths) {
        PathRule r;
        r.match = mp.execname.empty() ? PathMatch::Exact : PathMatch::ExecName;
        r.path = mp.execname.empty() ? canonical_path(mp.path) : mp.execname;
        r.origin = b.origin(origin_of(p, section.meta, mp.meta, mp.field), p);
        r.action = b.origin_at(r.origin).action;
        r.read_only = mp.read_only;
        r.owner_only = mp.owner_only;
        r.no_tty = mp.pts.has_value() && !*mp.pts;
        r.allowed_args = mp.allowed_args;
        add(r, mp.from_source);
    }
    for (const auto& md : section.directories) {
        PathRule r;
        r.match = md.recursive ? PathMatch::RecursiveDirectory : PathMatch::Directory;
        r.path = canonical_path(md.dir);
        r.origin = b.origin(origin_of(p, section.meta, md.meta, md.field), p);
        r.action = b.origin_at(r.origin).action;
        r.read_only = md.read_only;
        r.owner_only = md.owner_only;
        r.no_tty = md.pts.has_value() && !*md.pts;
        add(r, md.from_source);
    }
    for (const auto& pat : section.patterns) {
        PathRule r;
        r.match = PathMatch::Pattern;
        r.path = pat.pattern;
        r.origin = b.origin(origin_of(p, section.meta, pat.meta, pat.field), p);
        r.action = b.origin_at(r.origin).action;
        r.read_only = pat.read_only;
        r.owner_only = pat.owner_only;
        out.push_back(r);
    }
}

// The presets kadapter enforces, and where each one's action goes.
constexpr std::array<std::pair<const char*, std::optional<Action> RuleSet::*>, 3> kEnforcedPresets = {{
    {kFilelessExec, &RuleSet::fileless_exec},
    {kProtectEnv, &RuleSet::protect_env},
    {kExecPreset, &RuleSet::external_exec},
}};

// preset name -> action -> where it was given
using Presets = std::map<std::string, std::map<Action, std::pair<const Policy*, std::string>>>;

// The names a DNS rule covers: the domain (dots trimmed, lower case) and,
// as KubeArmor adds them, the domain with the cluster resolver's search
// suffixes, which a pod's resolver tries first (ndots:5). A namespaced
// policy's pods are in its namespace.
std::vector<std::string> dns_names(const std::string& domain, const std::string& pod_namespace)
{
    std::string d = lowercase(trim(domain, "."));
    if (d.empty())
        return {};
    std::vector<std::string> out = {d, d + ".svc.cluster.local", d + ".cluster.local"};
    if (!pod_namespace.empty())
        out.push_back(d + "." + pod_namespace + ".svc.cluster.local");
    return out;
}

void compile_into(const Policy& p, Builder& b, RuleSet& rs, Presets& presets)
{
    compile_paths(p, p.process, b, rs.process);
    compile_paths(p, p.file, b, rs.file);

    for (const auto& mp : p.network.protocols) {
        uint32_t origin = b.origin(origin_of(p, p.network.meta, mp.meta, mp.field), p);
        NetworkRule r;
        r.origin = origin;
        r.action = b.origin_at(origin).action;
        r.no_tty = mp.pts.has_value() && !*mp.pts;
        for (const auto& name : mp.protocols)
            for (Protocol proto : expand_protocol(protocol_name(name).value_or("")))
                for (const auto& src : sources_of(mp.from_source)) {
                    r.protocol = proto;
                    r.source = src;
                    rs.network.push_back(r);
                }
    }
    for (const auto& q : p.network.dns_queries) {
        DnsRule r;
        r.origin = b.origin(origin_of(p, p.network.meta, q.meta, q.field), p);
        r.action = b.origin_at(r.origin).action;
        for (const auto& domain : q.domains)
            for (const auto& name : dns_names(domain, p.namespace_))
                for (const auto& src : sources_of(q.from_source)) {
                    r.domain = name;
                    r.source = src;
                    rs.dns.push_back(r);
                }
    }
    for (const auto& mc : p.capabilities.capabilities) {
        uint32_t origin = b.origin(origin_of(p, p.capabilities.meta, mc.meta, mc.field), p);
        CapabilityRule r;
        r.origin = origin;
        r.action = b.origin_at(origin).action;
        for (const auto& name : mc.capabilities)
            for (const auto& src : sources_of(mc.from_source)) {
                r.capability = capability_number(name).value_or(-1);
                r.source = src;
                rs.capabilities.push_back(r);
            }
    }
    for (const auto& preset : p.presets)
        presets[preset.name].emplace(preset.action.value_or(p.meta.action.value_or(Action::Block)),
                                     std::make_pair(&p, preset.field));
}

// Of several actions given to one preset the strictest applies: Block,
// then Audit, then Allow.
std::optional<Action> strictest(const std::string& name, const Presets& presets, std::vector<Diagnostic>* diagnostics)
{
    auto given = presets.find(name);
    if (given == presets.end())
        return std::nullopt;
    for (Action a : {Action::Block, Action::Audit, Action::Allow}) {
        auto it = given->second.find(a);
        if (it == given->second.end())
            continue;
        if (given->second.size() > 1 && diagnostics)
            diagnostics->push_back(diagnostic(*it->second.first, Diagnostic::Level::Warning, it->second.second,
                                              name + " is given different actions; the strictest, " +
                                                  std::string(to_string(a)) + ", applies"));
        return a;
    }
    return std::nullopt;
}

RuleSet compile_set(const std::vector<const Policy*>& policies, const Postures& postures,
                    std::vector<Diagnostic>* diagnostics)
{
    // Policies built by hand or decoded get the same checks as parsed ones:
    // nothing invalid is compiled.
    auto fail = [](Errc code, const std::vector<Diagnostic>& problems) {
        std::string msg;
        for (const auto& d : problems)
            if (d.level == Diagnostic::Level::Error)
                msg += (msg.empty() ? "" : "\n") + d.str();
        if (!msg.empty())
            throw Error(code, msg);
    };
    for (const Policy* p : policies)
        fail(Errc::InvalidPolicy, validate(*p, p->input));
    std::vector<Diagnostic> problems;
    for (const Policy* p : policies) {
        auto u = unenforceable(*p);
        problems.insert(problems.end(), u.begin(), u.end());
    }
    fail(Errc::Unsupported, problems);

    RuleSet rs;
    rs.file_posture = postures.file;
    rs.network_posture = postures.network;
    rs.capabilities_posture = postures.capabilities;
    Builder b;
    Presets presets;
    for (const Policy* p : policies)
        compile_into(*p, b, rs, presets);
    for (const auto& [name, member] : kEnforcedPresets)
        rs.*member = strictest(name, presets, diagnostics);
    return b.finish(std::move(rs), diagnostics);
}

Diagnostic unsupported(const Policy& p, const std::string& field, const std::string& what)
{
    return diagnostic(p, Diagnostic::Level::Error, field, "policy " + p.name + ": " + what);
}

} // namespace

std::vector<Diagnostic> unenforceable(const Policy& p)
{
    std::vector<Diagnostic> out;
    // allowedArgs pass an exec the way ownerOnly does; KubeArmor requires
    // both of a rule that has both, which the kernel's decision cells
    // cannot express yet.
    for (const auto& mp : p.process.paths)
        if (!mp.allowed_args.empty() && (mp.owner_only || (mp.pts && !*mp.pts)))
            out.push_back(unsupported(p, mp.field + ".allowedArgs",
                                      std::string("kadapter cannot enforce allowedArgs together with ") +
                                          (mp.owner_only ? "ownerOnly" : "pts: false") + " in one rule"));
    for (const auto& preset : p.presets)
        if (std::none_of(kEnforcedPresets.begin(), kEnforcedPresets.end(),
                         [&](const auto& e) { return preset.name == e.first; }))
            out.push_back(unsupported(p, preset.field + ".name",
                                      "kadapter cannot enforce the '" + preset.name +
                                          "' preset yet (of the presets: filelessExec, protectEnv, exec)"));
    return out;
}

RuleSet compile(const std::vector<Policy>& policies, const PodIdentity& pod, const Postures& postures,
                std::vector<Diagnostic>* diagnostics)
{
    std::vector<const Policy*> selected;
    for (const auto& p : policies)
        if (selects(p, pod))
            selected.push_back(&p);
    return compile_set(selected, postures, diagnostics);
}

RuleSet compile_policy(const Policy& policy, const Postures& postures, std::vector<Diagnostic>* diagnostics)
{
    return compile_set({&policy}, postures, diagnostics);
}

} // namespace kadapter::policy
