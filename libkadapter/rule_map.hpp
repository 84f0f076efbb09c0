// Compiles a RuleSet into the entries of one kernel rule map (bpf/abi.h):
// hashed keys, merged rule references and the header.
#pragma once

#include <linux/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kadapter/ruleset.hpp"
#include "path_hash.hpp"

extern "C" {
#include "abi.h"
}

namespace kadapter {

struct RuleMapEntry {
    kad_rule_key key{};
    kad_rule_value value{};
};

struct CompiledRuleMap {
    kad_header header{};
    std::vector<RuleMapEntry> entries; // header entry first
    // matchPatterns automata, indexed by enum kad_dfa_index; published
    // only when header.flags has KAD_HDR_FILE_PATTERNS or KAD_HDR_EXEC_PATTERNS.
    std::vector<kad_dfa> automata;
};

// Extra identities of a rule path inside the container: the path a symlink
// resolves to, and the (dev, ino) of the file. Empty when unknown.
struct ResolvedPath {
    std::string target;
    uint64_t dev = 0;
    uint64_t ino = 0;
};
using PathResolver = std::function<ResolvedPath(const std::string& path)>;

// Lexically normalised absolute path: no "//", "/./" or "/../"; a
// directory keeps its trailing '/'. Throws Error(InvalidArgument).
std::string normalize_path(const std::string& path);

CompiledRuleMap compile_rule_map(const RuleSet& rules, const HashKey& key, uint64_t ruleset_id, uint64_t container,
                                 const PathResolver& resolver = {});

} // namespace kadapter
