#include "glob_automaton.hpp"

#include <algorithm>
#include <bitset>
#include <deque>
#include <map>

#include "kadapter/error.hpp"

namespace kadapter {
namespace {

using ByteSet = std::bitset<256>;

struct Token {
    enum Kind { Set, Star, StarStar } kind = Set;
    ByteSet set; // Set only
};

ByteSet not_slash()
{
    ByteSet s;
    s.set();
    s.reset('/');
    return s;
}

std::vector<Token> parse(const std::string& glob)
{
    auto fail = [&](const std::string& why) { throw Error(Errc::InvalidArgument, "pattern '" + glob + "': " + why); };
    std::vector<Token> out;
    for (size_t i = 0; i < glob.size(); ++i) {
        char c = glob[i];
        Token t;
        if (c == '*') {
            if (i + 1 < glob.size() && glob[i + 1] == '*') {
                t.kind = Token::StarStar;
                ++i;
                while (i + 1 < glob.size() && glob[i + 1] == '*') // "***" is "**"
                    ++i;
            } else {
                t.kind = Token::Star;
            }
        } else if (c == '?') {
            t.set = not_slash();
        } else if (c == '\\') {
            if (++i == glob.size())
                fail("ends in an escape");
            t.set.set(static_cast<unsigned char>(glob[i]));
        } else if (c == '[') {
            size_t j = i + 1;
            bool negate = j < glob.size() && (glob[j] == '!' || glob[j] == '^');
            if (negate)
                ++j;
            ByteSet members;
            bool first = true;
            for (; j < glob.size() && (glob[j] != ']' || first); ++j) {
                first = false;
                unsigned char lo = static_cast<unsigned char>(glob[j]);
                if (glob[j] == '\\' && j + 1 < glob.size())
                    lo = static_cast<unsigned char>(glob[++j]);
                unsigned char hi = lo;
                if (j + 2 < glob.size() && glob[j + 1] == '-' && glob[j + 2] != ']') {
                    j += 2;
                    if (glob[j] == '\\' && j + 1 < glob.size())
                        ++j;
                    hi = static_cast<unsigned char>(glob[j]);
                }
                for (unsigned b = lo; b <= hi; ++b) // a reversed range is empty
                    members.set(b);
            }
            if (j >= glob.size())
                fail("'[' has no closing ']'");
            if (negate)
                members.flip();
            members.reset('/'); // a character class never matches '/'
            t.set = members;    // may be empty: then the glob matches nothing
            i = j;
        } else {
            t.set.set(static_cast<unsigned char>(c));
        }
        out.push_back(t);
    }
    if (out.empty())
        fail("is empty");
    return out;
}

using NfaState = std::pair<uint32_t, uint32_t>; // (glob, position)
using DfaKey = std::vector<NfaState>;

} // namespace

uint16_t GlobAutomaton::run(const std::string& path) const
{
    uint32_t state = dfa.start;
    for (unsigned char b : path) {
        state = dfa.next[state * dfa.classes + dfa.byte_class[b]];
        if (!state)
            return 0;
    }
    return dfa.accept[state];
}

GlobAutomaton compile_globs(const std::vector<std::string>& globs)
{
    std::vector<std::vector<Token>> programs;
    for (const auto& g : globs)
        programs.push_back(parse(g));

    // Byte classes: bytes no glob tells apart share a column.
    std::vector<ByteSet> sets = {not_slash()};
    for (const auto& p : programs)
        for (const auto& t : p)
            if (t.kind == Token::Set)
                sets.push_back(t.set);
    std::map<std::vector<bool>, uint8_t> signatures;
    GlobAutomaton out;
    for (unsigned b = 0; b < 256; ++b) {
        std::vector<bool> sig;
        for (const auto& s : sets)
            sig.push_back(s.test(b));
        auto [it, added] = signatures.emplace(sig, static_cast<uint8_t>(signatures.size()));
        if (signatures.size() > 255)
            throw Error(Errc::ResourceExhausted, "matchPatterns distinguish too many characters");
        out.dfa.byte_class[b] = it->second;
    }
    const unsigned classes = static_cast<unsigned>(signatures.size());
    std::vector<unsigned char> representative(classes);
    for (unsigned b = 0; b < 256; ++b)
        representative[out.dfa.byte_class[b]] = static_cast<unsigned char>(b);

    // Stars may be skipped: a state stands for every position it reaches.
    auto closure = [&](DfaKey states) {
        for (size_t i = 0; i < states.size(); ++i) {
            auto [g, pos] = states[i];
            if (pos < programs[g].size() && programs[g][pos].kind != Token::Set)
                states.emplace_back(g, pos + 1);
        }
        std::sort(states.begin(), states.end());
        states.erase(std::unique(states.begin(), states.end()), states.end());
        return states;
    };

    std::map<DfaKey, uint16_t> ids{{DfaKey{}, 0}}; // 0: dead
    std::vector<DfaKey> states{DfaKey{}};
    DfaKey start;
    for (uint32_t g = 0; g < programs.size(); ++g)
        start.emplace_back(g, 0);
    start = closure(start);
    ids[start] = 1;
    states.push_back(start);

    std::vector<std::vector<uint16_t>> next;
    next.push_back(std::vector<uint16_t>(classes, 0)); // dead stays dead
    std::map<std::vector<size_t>, uint16_t> accept_ids;
    std::vector<uint16_t> accept(1, 0);

    for (size_t s = 1; s < states.size(); ++s) {
        const DfaKey key = states[s]; // a copy: states grows below
        std::vector<uint16_t> row(classes, 0);
        for (unsigned cls = 0; cls < classes; ++cls) {
            const unsigned char b = representative[cls];
            DfaKey moved;
            for (auto [g, pos] : key) {
                if (pos >= programs[g].size())
                    continue;
                const Token& t = programs[g][pos];
                if (t.kind == Token::Set && t.set.test(b))
                    moved.emplace_back(g, pos + 1);
                else if (t.kind == Token::Star && b != '/')
                    moved.emplace_back(g, pos);
                else if (t.kind == Token::StarStar)
                    moved.emplace_back(g, pos);
            }
            moved = closure(moved);
            auto it = ids.find(moved);
            if (it == ids.end()) {
                if (states.size() >= KAD_DFA_STATES)
                    throw Error(Errc::ResourceExhausted, "matchPatterns need more than " +
                                                             std::to_string(KAD_DFA_STATES) +
                                                             " automaton states; simplify or split the patterns");
                it = ids.emplace(moved, static_cast<uint16_t>(states.size())).first;
                states.push_back(moved);
            }
            row[cls] = it->second;
        }
        next.push_back(row);

        std::vector<size_t> matched;
        for (auto [g, pos] : key)
            if (pos == programs[g].size())
                matched.push_back(g);
        uint16_t id = 0;
        if (!matched.empty()) {
            auto [it, added] = accept_ids.emplace(matched, static_cast<uint16_t>(accept_ids.size() + 1));
            if (added)
                out.accept_sets.push_back(matched);
            id = it->second;
        }
        accept.push_back(id);
    }

    if (states.size() * classes > KAD_DFA_CELLS)
        throw Error(Errc::ResourceExhausted, "matchPatterns need " + std::to_string(states.size() * classes) +
                                                 " automaton cells, more than the kernel table's " +
                                                 std::to_string(KAD_DFA_CELLS));
    out.dfa.states = static_cast<uint16_t>(states.size());
    out.dfa.classes = static_cast<uint16_t>(classes);
    out.dfa.start = 1;
    for (size_t s = 0; s < next.size(); ++s)
        for (unsigned c = 0; c < classes; ++c)
            out.dfa.next[s * classes + c] = next[s][c];
    std::copy(accept.begin(), accept.end(), out.dfa.accept);
    return out;
}

} // namespace kadapter
