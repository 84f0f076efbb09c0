#include "rule_map.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "glob_automaton.hpp"
#include "kadapter/error.hpp"
#include "policy/paths.hpp"
#include "policy/vocabulary.hpp"

namespace kadapter {
namespace {

struct KeyLess {
    bool operator()(const kad_rule_key& a, const kad_rule_key& b) const
    {
        return std::tie(a.kind, a.hash, a.source) < std::tie(b.kind, b.hash, b.source);
    }
};

// One rule as stored under a key, before it becomes decision cells.
struct RuleRef {
    uint32_t origin = 0;
    Action action = Action::Block;
    bool recursive = false;
    bool read_only = false;
    bool owner_only = false;
    bool no_tty = false;

    bool operator==(const RuleRef&) const = default;
};

struct Effect {
    uint8_t decision = KAD_ACTION_NONE; // NONE, ALLOW or BLOCK
    bool audit = false;
};

// KubeArmor's semantics of one rule under given conditions. The options are
// "static actions": ownerOnly lets the file's owner through, readOnly lets
// reads through, pts:false lets tasks without a terminal through; whoever
// is not let through gets the rule's verdict (Block for Allow and Block
// rules, an alert for Audit rules).
Effect effect_of(const RuleRef& r, unsigned cond)
{
    Effect e;
    if ((cond & KAD_COND_DEEP) && !r.recursive)
        return e; // a non-recursive directory rule covers its children only
    const bool has_options = r.owner_only || r.read_only || r.no_tty;
    const bool violation = (r.owner_only && !(cond & KAD_COND_OWNER)) || (r.read_only && (cond & KAD_COND_WRITE)) ||
                           (r.no_tty && (cond & KAD_COND_TTY));
    switch (r.action) {
    case Action::Audit:
        e.audit = !has_options || violation;
        break;
    case Action::Allow:
        e.decision = violation ? KAD_ACTION_BLOCK : KAD_ACTION_ALLOW;
        break;
    case Action::Block:
        if (!has_options || violation)
            e.decision = KAD_ACTION_BLOCK;
        else if (r.owner_only)
            e.decision = KAD_ACTION_ALLOW; // as KubeArmor: the owner passes
        break;
    }
    return e;
}

// All rules under one key -> its decision table. Within a key, Block beats
// Allow; an Audit match is reported besides whatever decides.
kad_decision decision_table(const std::vector<RuleRef>& refs, const std::string& what)
{
    kad_decision d{};
    std::vector<uint32_t> slots;
    auto slot_of = [&](uint32_t origin) -> uint8_t {
        for (size_t i = 0; i < slots.size(); ++i)
            if (slots[i] == origin)
                return static_cast<uint8_t>(i);
        if (slots.size() == KAD_RULES_PER_KEY)
            throw Error(Errc::ResourceExhausted,
                        "more than " + std::to_string(KAD_RULES_PER_KEY) + " rules with different effects on " + what);
        slots.push_back(origin);
        return static_cast<uint8_t>(slots.size() - 1);
    };
    for (unsigned cond = 0; cond < KAD_CONDITIONS; ++cond) {
        const RuleRef* decided = nullptr;
        const RuleRef* audited = nullptr;
        uint8_t decision = KAD_ACTION_NONE;
        for (const auto& r : refs) {
            Effect e = effect_of(r, cond);
            if (e.audit && !audited)
                audited = &r;
            if (e.decision == KAD_ACTION_BLOCK && decision != KAD_ACTION_BLOCK) {
                decision = KAD_ACTION_BLOCK;
                decided = &r;
            } else if (e.decision == KAD_ACTION_ALLOW && decision == KAD_ACTION_NONE) {
                decision = KAD_ACTION_ALLOW;
                decided = &r;
            }
        }
        uint8_t cell = decision;
        if (decided)
            cell |= slot_of(decided->origin) << 2;
        if (audited)
            cell |= KAD_CELL_AUDIT | (slot_of(audited->origin) << 5);
        d.cells[cond] = cell;
    }
    std::copy(slots.begin(), slots.end(), d.rules);
    return d;
}

int depth_of(const std::string& dir)
{
    return static_cast<int>(std::count(dir.begin(), dir.end(), '/'));
}

class Builder {
public:
    Builder(const HashKey& key) : key_(key) {}

    void add(uint32_t kind, uint64_t hash, uint64_t source, const RuleRef& ref, const std::string& what)
    {
        kad_rule_key k{};
        k.kind = kind;
        k.hash = hash;
        k.source = source;
        auto& slot = refs_[k];
        if (slot.what.empty())
            slot.what = what;
        if (std::find(slot.refs.begin(), slot.refs.end(), ref) == slot.refs.end())
            slot.refs.push_back(ref);
    }

    // The key part naming a fromSource executable (0: any process); marks
    // the header with `flag`, so the kernel probes such keys.
    uint64_t source(const std::string& exe, kad_header& h, uint32_t flag) const
    {
        if (exe.empty())
            return 0;
        h.flags |= flag;
        return hash(normalize_path(exe));
    }

    // A key whose presence is the information (allowedArgs).
    void mark(uint32_t kind, uint64_t hash)
    {
        kad_rule_key k{};
        k.kind = kind;
        k.hash = hash;
        refs_[k];
    }

    uint64_t hash(const std::string& s) const { return path_hash(key_, s); }
    const HashKey& key() const { return key_; }

    std::vector<RuleMapEntry> entries() const
    {
        std::vector<RuleMapEntry> out;
        out.reserve(refs_.size());
        for (const auto& [k, slot] : refs_) {
            RuleMapEntry e;
            e.key = k;
            e.value.decision = decision_table(slot.refs, slot.what);
            out.push_back(e);
        }
        return out;
    }

private:
    struct Slot {
        std::string what;
        std::vector<RuleRef> refs;
    };
    const HashKey& key_;
    std::map<kad_rule_key, Slot, KeyLess> refs_;
};

struct PathKinds {
    uint32_t path, dir, name, inode;
    // Process rules: a blocked executable also may not be opened for
    // reading, so it cannot be copied out and run under another name.
    bool guard_reads;
    uint32_t deep_flag, sources_flag, inodes_flag;
    __u64 kad_header::*depths;
    uint32_t pattern;
    uint32_t patterns_flag;
};

void compile_path_rules(Builder& b, kad_header& h, const std::vector<PathRule>& rules, const PathKinds& kinds,
                        const char* category, const PathResolver& resolver, kad_dfa& dfa)
{
    struct Pattern {
        std::string glob;
        RuleRef ref;
    };
    std::vector<Pattern> patterns;
    for (const auto& rule : rules) {
        RuleRef ref;
        ref.origin = rule.origin;
        ref.action = rule.action;
        ref.read_only = rule.read_only;
        ref.owner_only = rule.owner_only;
        ref.no_tty = rule.no_tty;
        const uint64_t source = b.source(rule.source, h, kinds.sources_flag);
        const std::string what = std::string(category) + " rule on " + rule.path;
        if (!rule.allowed_args.empty()) {
            if (!kinds.name)
                throw Error(Errc::InvalidArgument, what + ": allowedArgs apply to process rules only");
            b.mark(KAD_KEY_EXEC_ARGSET, rule.origin);
            // Longer arguments never match in the kernel (the linter warns).
            for (const auto& arg : rule.allowed_args)
                if (arg.size() <= KAD_MAX_ARG_LEN)
                    b.mark(KAD_KEY_EXEC_ARG, arg_hash(b.key(), rule.origin, arg));
            h.flags |= KAD_HDR_EXEC_ARGS;
        }

        switch (rule.match) {
        case PathMatch::Exact: {
            std::string path = normalize_path(rule.path);
            if (path.ends_with('/'))
                throw Error(Errc::InvalidArgument, what + ": a path rule must not end in '/'");
            b.add(kinds.path, b.hash(path), source, ref, what);
            const bool guard = kinds.guard_reads && rule.action == Action::Block && !rule.owner_only && !rule.no_tty &&
                               rule.allowed_args.empty() && rule.source.empty();
            if (guard) {
                b.add(KAD_KEY_FILE_PATH, b.hash(path), 0, ref, what);
                h.has_rules[KAD_CAT_FILE] = 1;
            }
            if (resolver) {
                ResolvedPath r = resolver(path);
                if (!r.target.empty() && r.target != path)
                    b.add(kinds.path, b.hash(r.target), source, ref, what);
                // Blocked files are also keyed by inode, so another hard
                // link or a bind mount of the same file is blocked too.
                if (r.ino && rule.action == Action::Block && !rule.owner_only && !rule.read_only && !rule.no_tty) {
                    b.add(kinds.inode, inode_hash(b.key(), r.dev, r.ino), source, ref, what);
                    h.flags |= kinds.inodes_flag;
                    if (guard) {
                        b.add(KAD_KEY_FILE_INODE, inode_hash(b.key(), r.dev, r.ino), 0, ref, what);
                        h.flags |= KAD_HDR_FILE_INODES;
                    }
                }
            }
            break;
        }
        case PathMatch::Directory:
        case PathMatch::RecursiveDirectory: {
            std::string dir = normalize_path(rule.path);
            if (!dir.ends_with('/'))
                throw Error(Errc::InvalidArgument, what + ": a directory rule must end in '/'");
            ref.recursive = rule.match == PathMatch::RecursiveDirectory;
            std::vector<std::string> dirs{dir};
            if (resolver && dir != "/") {
                ResolvedPath r = resolver(dir.substr(0, dir.size() - 1));
                if (!r.target.empty() && r.target + "/" != dir)
                    dirs.push_back(r.target == "/" ? "/" : r.target + "/");
            }
            for (const auto& d : dirs) {
                int depth = depth_of(d);
                if (depth > KAD_DEPTH_MASK_BITS)
                    h.flags |= kinds.deep_flag;
                else
                    h.*kinds.depths |= 1ull << (depth - 1);
                b.add(kinds.dir, b.hash(d), source, ref, what);
            }
            break;
        }
        case PathMatch::ExecName:
            if (!kinds.name)
                throw Error(Errc::InvalidArgument, what + ": execname applies to process rules only");
            if (rule.path.empty() || rule.path.find('/') != std::string::npos)
                throw Error(Errc::InvalidArgument, what + ": execname must be a file name without '/'");
            b.add(kinds.name, b.hash(rule.path), source, ref, what);
            h.flags |= KAD_HDR_EXEC_NAMES;
            break;
        case PathMatch::Pattern:
            if (!rule.source.empty())
                throw Error(Errc::InvalidArgument, what + ": matchPatterns take no fromSource");
            patterns.push_back({rule.path, ref});
            break;
        }
    }
    if (patterns.empty())
        return;
    // All globs of the category in one automaton; the rules of every glob
    // that matches in an accepting state share its key.
    std::vector<std::string> globs;
    for (const auto& p : patterns)
        globs.push_back(p.glob);
    GlobAutomaton automaton = compile_globs(globs);
    for (size_t id = 1; id <= automaton.accept_sets.size(); ++id)
        for (size_t g : automaton.accept_sets[id - 1])
            b.add(kinds.pattern, id, 0, patterns[g].ref, std::string(category) + " rule on " + patterns[g].glob);
    h.flags |= kinds.patterns_flag;
    dfa = automaton.dfa;
}

uint64_t network_key(Protocol p)
{
    switch (p) {
    case Protocol::Tcp:
        return KAD_NET_PROTO_KEY(KAD_NET_TCP);
    case Protocol::Udp:
        return KAD_NET_PROTO_KEY(KAD_NET_UDP);
    case Protocol::Icmp:
        return KAD_NET_PROTO_KEY(KAD_NET_ICMP);
    case Protocol::Icmpv6:
        return KAD_NET_PROTO_KEY(KAD_NET_ICMPV6);
    case Protocol::Sctp:
        return KAD_NET_PROTO_KEY(KAD_NET_SCTP);
    case Protocol::Stream:
        return KAD_NET_TYPE_KEY(1);
    case Protocol::Dgram:
        return KAD_NET_TYPE_KEY(2);
    case Protocol::Raw:
        return KAD_NET_TYPE_KEY(3);
    case Protocol::Rdm:
        return KAD_NET_TYPE_KEY(4);
    case Protocol::Seqpacket:
        return KAD_NET_TYPE_KEY(5);
    case Protocol::Dccp:
        return KAD_NET_TYPE_KEY(6);
    case Protocol::Packet:
        return KAD_NET_TYPE_KEY(10);
    }
    throw Error(Errc::InvalidArgument, "unknown protocol");
}

void compile_network_rules(Builder& b, kad_header& h, const std::vector<NetworkRule>& rules)
{
    for (const auto& rule : rules) {
        RuleRef ref;
        ref.origin = rule.origin;
        ref.action = rule.action;
        ref.no_tty = rule.no_tty;
        const uint64_t source = b.source(rule.source, h, KAD_HDR_NET_SOURCES);
        b.add(KAD_KEY_NETWORK, network_key(rule.protocol), source, ref, "a network rule");
    }
}

// DNS keys hash the name with its labels reversed ("com.example"), so the
// kernel hashes every parent domain of a query in one pass.
std::string reversed_labels(const std::string& domain)
{
    std::string out;
    size_t end = domain.size();
    while (true) {
        size_t dot = domain.rfind('.', end == 0 ? std::string::npos : end - 1);
        size_t begin = dot == std::string::npos || dot >= end ? 0 : dot + 1;
        if (!out.empty())
            out += '.';
        out += domain.substr(begin, end - begin);
        if (begin == 0)
            break;
        end = begin - 1;
    }
    return out;
}

void compile_dns_rules(Builder& b, kad_header& h, const RuleSet& rules)
{
    for (const auto& rule : rules.dns) {
        if (rule.domain.empty() || rule.domain.front() == '.' || rule.domain.back() == '.')
            throw Error(Errc::InvalidArgument, "DNS rule domain '" + rule.domain + "' is not a domain name");
        RuleRef ref;
        ref.origin = rule.origin;
        ref.action = rule.action;
        const uint64_t source = b.source(rule.source, h, KAD_HDR_DNS_SOURCES);
        // The kernel lower-cases queries.
        b.add(KAD_KEY_DNS, b.hash(reversed_labels(policy::lowercase(rule.domain))), source, ref,
              "DNS rule on " + rule.domain);
        h.flags |= KAD_HDR_DNS;
    }
    if (rules.dns_allow_list())
        h.flags |= KAD_HDR_DNS_ALLOW_LIST;
    const bool blocks =
        std::any_of(rules.dns.begin(), rules.dns.end(), [](const DnsRule& r) { return r.action == Action::Block; });
    if (blocks || (rules.dns_allow_list() && rules.posture(Category::Network) == Posture::Block))
        h.flags |= KAD_HDR_DNS_DENIES;
}

void compile_capability_rules(Builder& b, kad_header& h, const std::vector<CapabilityRule>& rules)
{
    for (const auto& rule : rules) {
        if (rule.capability < 0 || rule.capability > 63)
            throw Error(Errc::InvalidArgument, "capability number " + std::to_string(rule.capability) + " is invalid");
        RuleRef ref;
        ref.origin = rule.origin;
        ref.action = rule.action;
        const uint64_t source = b.source(rule.source, h, KAD_HDR_CAP_SOURCES);
        b.add(KAD_KEY_CAPABILITY, static_cast<uint64_t>(rule.capability), source, ref, "a capability rule");
    }
}

} // namespace

std::string normalize_path(const std::string& path)
{
    if (path.empty() || path[0] != '/')
        throw Error(Errc::InvalidArgument, "path '" + path + "' is not absolute");
    if (path.size() >= KAD_PATH_MAX)
        throw Error(Errc::InvalidArgument, "path '" + path.substr(0, 64) + "...' is longer than PATH_MAX");
    if (path.find('\0') != std::string::npos)
        throw Error(Errc::InvalidArgument, "path contains a NUL byte");

    return policy::canonical_path(path);
}

CompiledRuleMap compile_rule_map(const RuleSet& rules, const HashKey& key, uint64_t ruleset_id, uint64_t container,
                                 const PathResolver& resolver)
{
    CompiledRuleMap out;
    kad_header& h = out.header;
    h.ruleset_id = ruleset_id;
    h.container = container;

    Builder b(key);
    out.automata.resize(KAD_DFA_COUNT);
    compile_path_rules(b, h, rules.file,
                       {KAD_KEY_FILE_PATH, KAD_KEY_FILE_DIR, 0, KAD_KEY_FILE_INODE, false, KAD_HDR_DEEP_FILE_DIRS,
                        KAD_HDR_FILE_SOURCES, KAD_HDR_FILE_INODES, &kad_header::file_dir_depths, KAD_KEY_FILE_PATTERN,
                        KAD_HDR_FILE_PATTERNS},
                       "file", resolver, out.automata[KAD_DFA_FILE]);
    compile_path_rules(b, h, rules.process,
                       {KAD_KEY_EXEC_PATH, KAD_KEY_EXEC_DIR, KAD_KEY_EXEC_NAME, KAD_KEY_EXEC_INODE, true,
                        KAD_HDR_DEEP_EXEC_DIRS, KAD_HDR_EXEC_SOURCES, KAD_HDR_EXEC_INODES, &kad_header::exec_dir_depths,
                        KAD_KEY_EXEC_PATTERN, KAD_HDR_EXEC_PATTERNS},
                       "process", resolver, out.automata[KAD_DFA_EXEC]);
    compile_network_rules(b, h, rules.network);
    compile_dns_rules(b, h, rules);
    compile_capability_rules(b, h, rules.capabilities);
    // A preset given Allow does nothing: there is nothing for it to allow.
    auto preset = [](const std::optional<Action>& a) -> __u8 {
        if (!a || *a == Action::Allow)
            return KAD_ACTION_NONE;
        return *a == Action::Block ? KAD_ACTION_BLOCK : KAD_ACTION_AUDIT;
    };
    h.fileless_action = preset(rules.fileless_exec);
    h.protect_env_action = preset(rules.protect_env);
    h.external_exec_action = preset(rules.external_exec);

    const Category cats[KAD_CAT_MAX] = {Category::Process, Category::File, Category::Network, Category::Capabilities};
    for (int c = 0; c < KAD_CAT_MAX; ++c) {
        h.allow_list[c] = rules.allow_list(cats[c]);
        h.posture[c] = rules.posture(cats[c]) == Posture::Block ? KAD_POSTURE_BLOCK : KAD_POSTURE_AUDIT;
    }
    h.has_rules[KAD_CAT_PROCESS] = !rules.process.empty();
    h.has_rules[KAD_CAT_FILE] |= !rules.file.empty();
    h.has_rules[KAD_CAT_NETWORK] = !rules.network.empty();
    h.has_rules[KAD_CAT_CAPABILITY] = !rules.capabilities.empty();

    if (!(h.flags & (KAD_HDR_FILE_PATTERNS | KAD_HDR_EXEC_PATTERNS)))
        out.automata.clear(); // nothing to publish

    RuleMapEntry header;
    header.key.kind = KAD_KEY_HEADER;
    header.value.header = h;
    out.entries.push_back(header);
    auto rest = b.entries();
    out.entries.insert(out.entries.end(), rest.begin(), rest.end());
    return out;
}

} // namespace kadapter
