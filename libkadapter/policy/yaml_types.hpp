// What an unquoted YAML scalar means to Kubernetes' YAML reader (YAML 1.1,
// as sigs.k8s.io/yaml reads it): "yes" is a boolean, "8080" a number.
#pragma once

#include <initializer_list>
#include <string>

namespace kadapter::policy {

enum class Plain { String, Null, Bool, Number };

Plain plain_kind(const std::string& scalar);
bool one_of(const std::string& s, std::initializer_list<const char*> words);

} // namespace kadapter::policy
