// A RuleSet as JSON: what `kadapter compile` shows of the structure the
// enforcement engine consumes.
#pragma once

#include <nlohmann/json.hpp>

#include "kadapter/ruleset.hpp"

namespace kadapter::cli {

const char* match_word(PathMatch);       // "path", "directory", ...
const char* action_source(ActionSource); // "rule", "section", "spec", "default"

nlohmann::ordered_json to_json(const RuleSet& rules);

} // namespace kadapter::cli
