// Text forms: the YAML writer keeps what values mean, and the glob syntax
// of matchPatterns matches as documented.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "policy/pattern.hpp"
#include "policy/yaml_writer.hpp"

using namespace kadapter;

TEST_CASE("the YAML writer keeps strings strings and multi-line text exact")
{
    const std::string in = R"(env:
  - {name: DEBUG, value: "true"}
  - {name: PORT, value: '8080'}
  - name: EMPTY
    value: ""
replicas: 3
enabled: true
script: |
  echo one
  echo two
no_newline: "a\nb"
tagged: !!str 5
nothing: ~
)";
    YAML::Node original = YAML::Load(in);
    std::string out = to_yaml(original);
    INFO(out);
    YAML::Node again = YAML::Load(out);
    CHECK(again["env"][0]["value"].Tag() == "!"); // still quoted
    CHECK(again["env"][0]["value"].Scalar() == "true");
    CHECK(again["env"][1]["value"].Tag() == "!");
    CHECK(again["env"][1]["value"].Scalar() == "8080");
    CHECK(again["env"][2]["value"].Scalar().empty());
    CHECK(again["replicas"].Tag() == "?"); // still a plain number
    CHECK(again["enabled"].as<bool>());
    CHECK(again["script"].Scalar() == "echo one\necho two\n");
    CHECK(out.find("script: |") != std::string::npos);
    CHECK(again["no_newline"].Scalar() == "a\nb");
    CHECK(again["tagged"].Tag() == "tag:yaml.org,2002:str");
    CHECK(again["nothing"].IsNull());
    CHECK(to_yaml(again) == out); // a fixed point
}

TEST_CASE("control characters are written escaped, so they read back unchanged")
{
    YAML::Node n;
    n["cr"] = std::string("a\r\r");
    n["mixed"] = std::string("x\x03y\tz\x7f");
    YAML::Node again = YAML::Load(to_yaml(n));
    CHECK(again["cr"].Scalar() == "a\r\r");
    CHECK(again["mixed"].Scalar() == "x\x03y\tz\x7f");
}

TEST_CASE("a node tagged as a string is written so it reads back as one")
{
    YAML::Node n;
    for (const char* s : {"yes", "off", "12", "1e3", "0x1f", ".inf", "null", "~", ""}) {
        YAML::Node v(std::string{s});
        v.SetTag("!");
        n[s] = v;
    }
    YAML::Node plain("web");
    plain.SetTag("!");
    n["plain"] = plain;
    std::string out = to_yaml(n);
    INFO(out);
    YAML::Node again = YAML::Load(out);
    for (const char* s : {"yes", "off", "12", "1e3", "0x1f", ".inf", "null", "~", ""})
        CHECK(again[s].Tag() == "!");
    CHECK(out.find("plain: web") != std::string::npos); // quoted only where needed
}

TEST_CASE("glob syntax: *, **, ?, sets, escapes")
{
    using policy::pattern_matches;
    CHECK(pattern_matches("/usr/*/ncat", "/usr/bin/ncat"));
    CHECK_FALSE(pattern_matches("/usr/*/ncat", "/usr/local/bin/ncat")); // * stops at '/'
    CHECK(pattern_matches("/usr/**/ncat", "/usr/local/bin/ncat"));
    CHECK(pattern_matches("/usr/**/ncat", "/usr/x/ncat"));
    CHECK(pattern_matches("/home/**", "/home/a/b/c"));
    CHECK(pattern_matches("/etc/*hado?", "/etc/shadow"));
    CHECK_FALSE(pattern_matches("/etc/*hado?", "/etc/shado/w"));
    CHECK(pattern_matches("/tmp/[a-c]x", "/tmp/bx"));
    CHECK_FALSE(pattern_matches("/tmp/[a-c]x", "/tmp/dx"));
    CHECK(pattern_matches("/tmp/[!a-c]x", "/tmp/dx"));
    CHECK_FALSE(pattern_matches("/tmp/[!a-c]x", "/tmp//x")); // a set never matches '/'
    CHECK(pattern_matches("/tmp/\\*", "/tmp/*"));
    CHECK_FALSE(pattern_matches("/tmp/\\*", "/tmp/a"));
    CHECK(pattern_matches("/exact", "/exact"));
    CHECK_FALSE(pattern_matches("/exact", "/exact/"));
    // A hostile pattern ends in bounded time.
    CHECK_FALSE(pattern_matches("/*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "/" + std::string(200, 'a')));
}

TEST_CASE("glob syntax errors")
{
    using policy::pattern_error;
    CHECK_FALSE(pattern_error("/home/**/.ssh/[!.]*"));
    CHECK(pattern_error("")->find("is empty") != std::string::npos);
    CHECK(pattern_error("/a[bc")->find("without its closing ']'") != std::string::npos);
    CHECK(pattern_error("/{a,b}")->find("alternation") != std::string::npos);
    CHECK_FALSE(pattern_error("/\\{a\\}"));
    CHECK(pattern_error("/a\\")->find("unfinished escape") != std::string::npos);
    CHECK(pattern_error("/a/***")->find("'***'") != std::string::npos);
}
