// Writes YAML nodes back out without changing what they mean, which
// yaml-cpp's own emitter does not guarantee: a scalar that was quoted stays
// a string (so "true" or "8080" come out quoted), explicit tags are kept,
// and a multi-line string becomes a literal block where that is exact.
// A scalar node tagged "!" is a string. Not kept: comments, anchors
// (aliases are written out in full), quoting and block styles otherwise,
// and blank lines.
#pragma once

#include <string>

namespace YAML {
class Emitter;
class Node;
} // namespace YAML

namespace kadapter {

void write_yaml(YAML::Emitter& out, const YAML::Node& node);
std::string to_yaml(const YAML::Node& node);

} // namespace kadapter
