#include "report.hpp"

#include <tuple>

namespace kadapter::policy {
namespace {

// "a.b[1].c" -> "a.b[1]" -> "a.b" -> "a" -> ""
std::string parent_of(const std::string& field)
{
    size_t cut = field.find_last_of(".[");
    return cut == std::string::npos ? std::string() : field.substr(0, cut);
}

std::pair<int, int> find(const Positions& positions, const std::string& field)
{
    // A missing field is reported where its parent was written.
    for (std::string f = field;; f = parent_of(f)) {
        if (auto it = positions.find(f); it != positions.end())
            return it->second;
        if (f.empty())
            return {0, 0};
    }
}

} // namespace

Diagnostic diagnostic(const Policy& policy, Diagnostic::Level level, const std::string& field,
                      const std::string& message)
{
    Diagnostic d;
    d.level = level;
    d.input = policy.input;
    d.field = field;
    d.message = message;
    std::tie(d.line, d.column) = find(policy.positions, field);
    return d;
}

std::string indexed(const std::string& field, size_t i)
{
    return field + "[" + std::to_string(i) + "]";
}

void Reporter::locate(const std::string& field, int line, int column)
{
    positions_.emplace(field, std::make_pair(line, column));
}

void Reporter::error(const std::string& field, const std::string& message)
{
    report(Diagnostic::Level::Error, field, message);
    ++errors_;
}

void Reporter::error_at(const std::string& field, int line, int column, const std::string& message)
{
    report(Diagnostic::Level::Error, field, message);
    out_.back().line = line;
    out_.back().column = column;
    ++errors_;
}

void Reporter::warning(const std::string& field, const std::string& message)
{
    report(Diagnostic::Level::Warning, field, message);
}

void Reporter::note(const std::string& field, const std::string& message)
{
    report(Diagnostic::Level::Note, field, message);
}

void Reporter::report(Diagnostic::Level level, const std::string& field, const std::string& message)
{
    Diagnostic d;
    d.level = level;
    d.input = input_;
    d.field = field;
    d.message = message;
    std::tie(d.line, d.column) = find(positions_, field);
    out_.push_back(std::move(d));
}

std::string Diagnostic::str() const
{
    std::string out = input;
    if (line > 0)
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += level == Level::Error ? ": error: " : level == Level::Warning ? ": warning: " : ": note: ";
    if (!field.empty())
        out += field + ": ";
    return out + message;
}

bool ParseResult::ok() const
{
    return count(Diagnostic::Level::Error) == 0;
}

size_t ParseResult::count(Diagnostic::Level level) const
{
    size_t n = 0;
    for (const auto& d : diagnostics)
        n += d.level == level;
    return n;
}

std::string ParseResult::errors() const
{
    std::string out;
    for (const auto& d : diagnostics)
        if (d.level == Diagnostic::Level::Error)
            out += d.str() + "\n";
    return out;
}

} // namespace kadapter::policy
