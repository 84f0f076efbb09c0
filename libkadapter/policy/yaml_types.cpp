#include "yaml_types.hpp"

#include <string_view>

namespace kadapter::policy {
namespace {

// YAML 1.1 numbers: [-+] then 0b.., 0x.., 0o.., decimal or float
// (digits, '_', one '.', an exponent), .inf, .nan. Hand-written: std::regex
// recurses per character and cannot take hostile input.
bool yaml11_number(const std::string& s)
{
    if (one_of(s, {".nan", ".NaN", ".NAN"}))
        return true;
    size_t i = s.size() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    std::string_view v(s);
    v.remove_prefix(i);
    if (one_of(std::string(v), {".inf", ".Inf", ".INF"}))
        return true;
    auto all = [](std::string_view d, const char* set) {
        return !d.empty() && d.find_first_not_of(set) == std::string_view::npos;
    };
    if (v.starts_with("0b"))
        return all(v.substr(2), "01_");
    if (v.starts_with("0x"))
        return all(v.substr(2), "0123456789abcdefABCDEF_");
    if (v.starts_with("0o"))
        return all(v.substr(2), "01234567_");
    size_t e = v.find_first_of("eE");
    std::string_view mantissa = v.substr(0, e);
    if (e != std::string_view::npos) {
        std::string_view exp = v.substr(e + 1);
        if (!exp.empty() && (exp[0] == '-' || exp[0] == '+'))
            exp.remove_prefix(1);
        if (!all(exp, "0123456789"))
            return false;
    }
    size_t dot = mantissa.find('.');
    std::string_view whole = mantissa.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : mantissa.substr(dot + 1);
    if (dot == std::string_view::npos)
        return all(whole, "0123456789_") && whole[0] != '_';
    if (whole.empty())
        return all(frac, "0123456789_") && frac[0] != '_';
    return all(whole, "0123456789_") && whole[0] != '_' && (frac.empty() || all(frac, "0123456789_"));
}

} // namespace

bool one_of(const std::string& s, std::initializer_list<const char*> words)
{
    for (const char* w : words)
        if (s == w)
            return true;
    return false;
}

Plain plain_kind(const std::string& s)
{
    if (one_of(s, {"", "~", "null", "Null", "NULL"}))
        return Plain::Null;
    if (one_of(s, {"y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
                   "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}))
        return Plain::Bool;
    if (yaml11_number(s))
        return Plain::Number;
    return Plain::String;
}

} // namespace kadapter::policy
