// matchPatterns automata: the kernel's table must agree with the reference
// glob matcher (policy/pattern.cpp) on every glob and path.
#include <catch2/catch.hpp>

#include <random>

#include "glob_automaton.hpp"
#include "kadapter/error.hpp"
#include "policy/pattern.hpp"

using namespace kadapter;

namespace {

bool accepts(const GlobAutomaton& a, const std::string& path, size_t glob)
{
    uint16_t id = a.run(path);
    if (!id)
        return false;
    const auto& set = a.accept_sets.at(id - 1);
    return std::find(set.begin(), set.end(), glob) != set.end();
}

std::string random_of(std::mt19937& rng, const std::vector<std::string>& pieces, int max_pieces)
{
    std::uniform_int_distribution<int> count(0, max_pieces), pick(0, static_cast<int>(pieces.size()) - 1);
    std::string out;
    for (int n = count(rng); n > 0; --n)
        out += pieces[pick(rng)];
    return out;
}

} // namespace

TEST_CASE("glob automaton: the documented syntax")
{
    std::vector<std::string> globs = {"/etc/*.conf", "/var/**/log", "/tmp/?", "/bin/[a-c]*", "/x/\\*", "/y/[!a]"};
    GlobAutomaton a = compile_globs(globs);
    CHECK(accepts(a, "/etc/ssl.conf", 0));
    CHECK_FALSE(accepts(a, "/etc/ssl/x.conf", 0)); // '*' stops at '/'
    CHECK(accepts(a, "/var/log", 1) == false);     // "/**/" needs the two slashes
    CHECK(accepts(a, "/var/a/b/log", 1));
    CHECK(accepts(a, "/tmp/z", 2));
    CHECK_FALSE(accepts(a, "/tmp/zz", 2));
    CHECK(accepts(a, "/bin/cat", 3));
    CHECK_FALSE(accepts(a, "/bin/dash", 3));
    CHECK(accepts(a, "/x/*", 4));
    CHECK_FALSE(accepts(a, "/x/a", 4));
    CHECK(accepts(a, "/y/b", 5));
    CHECK_FALSE(accepts(a, "/y/a", 5));
    CHECK_FALSE(accepts(a, "/y//", 5)); // a class never matches '/'
    CHECK(a.run("/nothing") == 0);
}

TEST_CASE("glob automaton: one accept id names every glob that matches")
{
    GlobAutomaton a = compile_globs({"/a/*", "/a/b", "/**"});
    REQUIRE(a.run("/a/b") != 0);
    auto set = a.accept_sets.at(a.run("/a/b") - 1);
    CHECK(set == std::vector<size_t>{0, 1, 2});
    set = a.accept_sets.at(a.run("/a/c") - 1);
    CHECK(set == std::vector<size_t>{0, 2});
    set = a.accept_sets.at(a.run("/z") - 1);
    CHECK(set == std::vector<size_t>{2});
}

TEST_CASE("glob automaton: agrees with the reference matcher on random globs and paths")
{
    std::mt19937 rng(20261123);
    const std::vector<std::string> glob_pieces = {"a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "[b-a]", "\\*", "ab"};
    const std::vector<std::string> path_pieces = {"a", "b", "/", "*", "c"};
    size_t compared = 0, matched = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<std::string> globs;
        for (int g = 0; g < 4; ++g) {
            std::string glob = "/" + random_of(rng, glob_pieces, 6);
            if (!policy::pattern_error(glob))
                globs.push_back(glob);
        }
        if (globs.empty())
            continue;
        GlobAutomaton a = compile_globs(globs);
        for (int p = 0; p < 60; ++p) {
            std::string path = "/" + random_of(rng, path_pieces, 8);
            for (size_t g = 0; g < globs.size(); ++g) {
                bool expected = policy::pattern_matches(globs[g], path);
                INFO("glob " << globs[g] << " path " << path);
                CHECK(accepts(a, path, g) == expected);
                ++compared;
                matched += expected;
            }
        }
    }
    // The generator must exercise both outcomes, or the test proves little.
    CHECK(compared > 10000);
    CHECK(matched > compared / 50);
}

TEST_CASE("glob automaton: a set too large for the kernel table is refused, not truncated")
{
    // Many independent '*' globs multiply the states of the subset
    // construction: the compiler must say so rather than drop patterns.
    std::vector<std::string> globs;
    for (char c = 'a'; c <= 'z'; ++c)
        globs.push_back(std::string("/**") + c + "*" + c + "*" + c + "/**");
    try {
        compile_globs(globs);
        FAIL("expected ResourceExhausted");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::ResourceExhausted);
        CHECK_THAT(e.what(), Catch::Contains("matchPatterns"));
    }
}
