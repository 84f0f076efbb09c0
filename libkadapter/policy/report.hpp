// Collects the diagnostics of one document: every error and warning is
// kept (all errors of a document are reported at once), each located by
// the nearest position recorded for its field path.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kadapter/policy.hpp"

namespace kadapter::policy {

class Reporter {
public:
    Reporter(std::string input, std::vector<Diagnostic>& out) : input_(std::move(input)), out_(out) {}

    // Records where `field` was written (1-based line and column).
    void locate(const std::string& field, int line, int column);

    void error(const std::string& field, const std::string& message);
    // At a given position rather than the field's (an unknown key).
    void error_at(const std::string& field, int line, int column, const std::string& message);
    void warning(const std::string& field, const std::string& message);
    void note(const std::string& field, const std::string& message);

    int errors() const { return errors_; }
    const std::string& input() const { return input_; }
    const Positions& positions() const { return positions_; }

private:
    void report(Diagnostic::Level level, const std::string& field, const std::string& message);

    std::string input_;
    std::vector<Diagnostic>& out_;
    Positions positions_;
    int errors_ = 0;
};

// "spec.file.matchPaths" + 2 -> "spec.file.matchPaths[2]"
std::string indexed(const std::string& field, size_t i);

// A diagnostic about `field` of a parsed policy, located where the field
// (or its nearest written parent) was written.
Diagnostic diagnostic(const Policy& policy, Diagnostic::Level level, const std::string& field,
                      const std::string& message);

} // namespace kadapter::policy
