// Loads YAML documents with yaml-cpp, guarded against its known failure:
// yaml-cpp 0.7 never consumes a stray ',' at the top of a document (a file
// holding just "," is enough) and returns empty documents forever, growing
// without bound. Such input is refused as invalid YAML.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace kadapter {

inline constexpr size_t kMaxYamlDocuments = 10000;

// Every document of `text`. Throws YAML::ParserException (with a mark) for
// invalid YAML, for a document at which yaml-cpp makes no progress, and for
// more than kMaxYamlDocuments documents.
std::vector<YAML::Node> load_yaml_documents(const std::string& text);

} // namespace kadapter
