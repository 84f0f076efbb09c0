// matchPatterns in the kernel: a set of globs compiled into one
// deterministic automaton over byte classes (struct kad_dfa). Written by
// hand: the automaton must have the kernel's exact table layout, which no
// regex library produces.
//
// Glob syntax (docs/policy-semantics.md): `*` any run without '/', `**` any
// run, `?` one character but '/', `[set]` one character of a set (never
// '/'), `\c` the character c. A glob matches the whole path.
#pragma once

#include <linux/types.h>

#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "abi.h"
}

namespace kadapter {

struct GlobAutomaton {
    kad_dfa dfa{};
    // accept_sets[id - 1]: the indexes (into the globs given) that match
    // when the automaton ends in a state with accept id `id`.
    std::vector<std::vector<size_t>> accept_sets;

    // For tests: the accept id the automaton ends in for `path` (0: none).
    uint16_t run(const std::string& path) const;
};

// Throws Error(InvalidArgument) for a malformed glob, and
// Error(ResourceExhausted) when the automaton would not fit the kernel's
// table (KAD_DFA_STATES states, KAD_DFA_CELLS cells).
GlobAutomaton compile_globs(const std::vector<std::string>& globs);

} // namespace kadapter
