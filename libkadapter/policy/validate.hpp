// The value checks of the CRD (path forms, lengths, enums, required fields)
// and the semantic checks (rules that can never match, KubeArmor
// divergences), on the policy model: YAML and the compact form share them.
#pragma once

#include "kadapter/policy.hpp"
#include "report.hpp"

namespace kadapter::policy {

void check_policy(const Policy& policy, Reporter& report);

} // namespace kadapter::policy
