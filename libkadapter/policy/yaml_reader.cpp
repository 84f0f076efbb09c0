#include "yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace kadapter {
namespace {

// Sees only where each document starts.
class DocumentStarts : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

    YAML::Mark last = YAML::Mark::null_mark();
};

} // namespace

std::vector<YAML::Node> load_yaml_documents(const std::string& text)
{
    // A first pass counts the documents and stops where two start at the
    // same place: that is yaml-cpp going round in circles.
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    YAML::Mark previous = YAML::Mark::null_mark();
    for (size_t n = 0; parser.HandleNextDocument(starts); ++n) {
        if (n > 0 && starts.last.pos == previous.pos)
            throw YAML::ParserException(starts.last, "unexpected token: the YAML parser makes no progress here");
        if (n >= kMaxYamlDocuments)
            throw YAML::ParserException(starts.last, "more than " + std::to_string(kMaxYamlDocuments) + " documents");
        previous = starts.last;
    }
    return YAML::LoadAll(text);
}

} // namespace kadapter
