#include "yaml_writer.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "yaml_types.hpp"

namespace kadapter {
namespace {

// A literal block ("|") reproduces the string only if it ends in exactly
// one newline (yaml-cpp writes no chomping indicator) and no line needs an
// indentation indicator or carries invisible characters.
bool literal_is_exact(const std::string& s)
{
    if (s.size() < 2 || s.back() != '\n' || s[s.size() - 2] == '\n' || s.front() == ' ' || s.front() == '\n')
        return false;
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return false;
        if (c == '\n' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
            return false;
    }
    return true;
}

void write_tag(YAML::Emitter& out, const std::string& tag)
{
    static const std::string kCore = "tag:yaml.org,2002:";
    if (tag.empty() || tag == "?" || tag == "!")
        return;
    if (tag.starts_with(kCore))
        out << YAML::SecondaryTag(tag.substr(kCore.size()));
    else if (tag.starts_with("!"))
        out << YAML::LocalTag(tag.substr(1));
    else
        out << YAML::VerbatimTag(tag);
}

bool has_control(const std::string& s)
{
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return (c < 0x20 && c != '\n') || c == 0x7f; });
}

void write_scalar(YAML::Emitter& out, const YAML::Node& n, bool in_flow)
{
    write_tag(out, n.Tag());
    const std::string& v = n.Scalar();
    if (!in_flow && v.find('\n') != std::string::npos && literal_is_exact(v))
        out << YAML::Literal << v;
    else if (has_control(v)) // yaml-cpp would write a '\r' raw, and read it back otherwise
        out << YAML::DoubleQuoted << v;
    else if (n.Tag() == "!" && policy::plain_kind(v) != policy::Plain::String)
        out << YAML::DoubleQuoted << v; // quoted in the source: keep it a string
    else
        out << v;
}

void write_node(YAML::Emitter& out, const YAML::Node& n, bool in_flow)
{
    switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        write_tag(out, n.Tag());
        out << YAML::Null;
        break;
    case YAML::NodeType::Scalar:
        write_scalar(out, n, in_flow);
        break;
    case YAML::NodeType::Sequence:
        write_tag(out, n.Tag());
        in_flow = in_flow || n.Style() == YAML::EmitterStyle::Flow;
        if (in_flow)
            out << YAML::Flow;
        out << YAML::BeginSeq;
        for (const auto& item : n)
            write_node(out, item, in_flow);
        out << YAML::EndSeq;
        break;
    case YAML::NodeType::Map:
        write_tag(out, n.Tag());
        in_flow = in_flow || n.Style() == YAML::EmitterStyle::Flow;
        if (in_flow)
            out << YAML::Flow;
        out << YAML::BeginMap;
        for (const auto& kv : n) {
            out << YAML::Key;
            write_node(out, kv.first, true); // keys: no literal blocks
            out << YAML::Value;
            write_node(out, kv.second, in_flow);
        }
        out << YAML::EndMap;
        break;
    }
}

} // namespace

void write_yaml(YAML::Emitter& out, const YAML::Node& node)
{
    write_node(out, node, false);
}

std::string to_yaml(const YAML::Node& node)
{
    YAML::Emitter out;
    write_yaml(out, node);
    std::string s = out.c_str();
    if (!s.empty() && s.back() != '\n')
        s += '\n';
    return s;
}

} // namespace kadapter
