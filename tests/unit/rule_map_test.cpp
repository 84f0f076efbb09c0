// RuleSet -> kernel rule map: keys, decision tables, the header.
#include <catch2/catch.hpp>

#include "kadapter/error.hpp"
#include "rule_map.hpp"

using namespace kadapter;

namespace {

const HashKey kKey{0x1234, 0x5678};

const RuleMapEntry* find(const CompiledRuleMap& m, uint32_t kind, const std::string& path, uint64_t source = 0)
{
    for (const auto& e : m.entries)
        if (e.key.kind == kind && e.key.hash == path_hash(kKey, path) && e.key.source == source)
            return &e;
    return nullptr;
}

PathRule rule(PathMatch m, std::string path, Action a, uint32_t origin = 0)
{
    PathRule r;
    r.match = m;
    r.path = std::move(path);
    r.action = a;
    r.origin = origin;
    return r;
}

uint8_t decision(const RuleMapEntry* e, unsigned cond)
{
    return KAD_CELL_DECISION(e->value.decision.cells[cond]);
}
bool audited(const RuleMapEntry* e, unsigned cond)
{
    return e->value.decision.cells[cond] & KAD_CELL_AUDIT;
}

} // namespace

TEST_CASE("paths are normalised lexically")
{
    CHECK(normalize_path("/etc/passwd") == "/etc/passwd");
    CHECK(normalize_path("//etc///passwd") == "/etc/passwd");
    CHECK(normalize_path("/etc/./x/../passwd") == "/etc/passwd");
    CHECK(normalize_path("/run/secrets/") == "/run/secrets/");
    CHECK(normalize_path("/") == "/");
    CHECK(normalize_path("/..") == "/");
    CHECK_THROWS_AS(normalize_path("etc/passwd"), Error);
    CHECK_THROWS_AS(normalize_path(""), Error);
    CHECK_THROWS_AS(normalize_path("/" + std::string(5000, 'a')), Error);
}

TEST_CASE("the header carries allow-list mode, posture and directory depths")
{
    RuleSet rs;
    rs.file.push_back(rule(PathMatch::Directory, "/run/secrets/kubernetes.io/serviceaccount/", Action::Block));
    rs.process.push_back(rule(PathMatch::Exact, "/bin/sleep", Action::Allow));
    rs.file_posture = Posture::Block;
    auto m = compile_rule_map(rs, kKey, 42, 7);
    REQUIRE(m.entries.front().key.kind == KAD_KEY_HEADER);
    const kad_header& h = m.header;
    CHECK(h.ruleset_id == 42);
    CHECK(h.container == 7);
    CHECK(h.file_dir_depths == (1ull << 4)); // 5 slashes
    CHECK(h.allow_list[KAD_CAT_PROCESS] == 1);
    CHECK(h.allow_list[KAD_CAT_FILE] == 0);
    CHECK(h.posture[KAD_CAT_PROCESS] == KAD_POSTURE_BLOCK); // process follows the file posture
    CHECK(h.has_rules[KAD_CAT_FILE] == 1);
    CHECK(h.has_rules[KAD_CAT_NETWORK] == 0);
    CHECK(find(m, KAD_KEY_FILE_DIR, "/run/secrets/kubernetes.io/serviceaccount/") != nullptr);
    CHECK(find(m, KAD_KEY_EXEC_PATH, "/bin/sleep") != nullptr);
}

TEST_CASE("decision tables follow KubeArmor's option semantics")
{
    SECTION("a plain Block blocks in every condition")
    {
        RuleSet rs;
        rs.file.push_back(rule(PathMatch::Exact, "/etc/shadow", Action::Block));
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_FILE_PATH, "/etc/shadow");
        REQUIRE(e);
        for (unsigned c = 0; c < KAD_COND_DEEP; ++c) // DEEP applies to directory keys only
            CHECK(decision(e, c) == KAD_ACTION_BLOCK);
    }
    SECTION("readOnly: reads pass, writes get the verdict")
    {
        RuleSet rs;
        auto r = rule(PathMatch::Exact, "/etc/hosts", Action::Allow);
        r.read_only = true;
        rs.file.push_back(r);
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_FILE_PATH, "/etc/hosts");
        CHECK(decision(e, 0) == KAD_ACTION_ALLOW);
        CHECK(decision(e, KAD_COND_WRITE) == KAD_ACTION_BLOCK);
    }
    SECTION("ownerOnly: the owner passes, others are blocked")
    {
        RuleSet rs;
        auto r = rule(PathMatch::Exact, "/home/app/key", Action::Block);
        r.owner_only = true;
        rs.file.push_back(r);
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_FILE_PATH, "/home/app/key");
        CHECK(decision(e, KAD_COND_OWNER) == KAD_ACTION_ALLOW);
        CHECK(decision(e, 0) == KAD_ACTION_BLOCK);
    }
    SECTION("pts: false only affects tasks with a terminal")
    {
        RuleSet rs;
        auto r = rule(PathMatch::Exact, "/bin/sh", Action::Block);
        r.no_tty = true;
        rs.process.push_back(r);
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_EXEC_PATH, "/bin/sh");
        CHECK(decision(e, KAD_COND_TTY) == KAD_ACTION_BLOCK);
        CHECK(decision(e, 0) == KAD_ACTION_NONE);
    }
    SECTION("a non-recursive directory covers its children only")
    {
        RuleSet rs;
        rs.file.push_back(rule(PathMatch::Directory, "/data/", Action::Block));
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_FILE_DIR, "/data/");
        CHECK(decision(e, 0) == KAD_ACTION_BLOCK);
        CHECK(decision(e, KAD_COND_DEEP) == KAD_ACTION_NONE);
    }
    SECTION("Block beats Allow on the same key, Audit is reported besides")
    {
        RuleSet rs;
        rs.file.push_back(rule(PathMatch::Exact, "/x", Action::Allow, 0));
        rs.file.push_back(rule(PathMatch::Exact, "/x", Action::Block, 1));
        rs.file.push_back(rule(PathMatch::Exact, "/x", Action::Audit, 2));
        auto e = find(compile_rule_map(rs, kKey, 1, 1), KAD_KEY_FILE_PATH, "/x");
        CHECK(decision(e, 0) == KAD_ACTION_BLOCK);
        CHECK(audited(e, 0));
        CHECK(e->value.decision.rules[KAD_CELL_DECISION_SLOT(e->value.decision.cells[0])] == 1);
        CHECK(e->value.decision.rules[KAD_CELL_AUDIT_SLOT(e->value.decision.cells[0])] == 2);
    }
}

TEST_CASE("fromSource rules are keyed by the source's hash")
{
    RuleSet rs;
    auto r = rule(PathMatch::Exact, "/bin/sleep", Action::Block);
    r.source = "/bin/bash";
    rs.process.push_back(r);
    auto m = compile_rule_map(rs, kKey, 1, 1);
    CHECK(find(m, KAD_KEY_EXEC_PATH, "/bin/sleep", path_hash(kKey, "/bin/bash")) != nullptr);
    CHECK(find(m, KAD_KEY_EXEC_PATH, "/bin/sleep", 0) == nullptr);
    CHECK(m.header.flags & KAD_HDR_EXEC_SOURCES);
}

TEST_CASE("malformed rules are refused, not half-applied")
{
    RuleSet rs;
    rs.file.push_back(rule(PathMatch::Directory, "/no/trailing/slash", Action::Block));
    CHECK_THROWS_AS(compile_rule_map(rs, kKey, 1, 1), Error);
    RuleSet bad_name;
    bad_name.process.push_back(rule(PathMatch::ExecName, "bin/sh", Action::Block));
    CHECK_THROWS_AS(compile_rule_map(bad_name, kKey, 1, 1), Error);
}
