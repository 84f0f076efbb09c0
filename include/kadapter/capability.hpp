// Linux capability names and numbers (include/uapi/linux/capability.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kadapter/export.h"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

// "net_raw", "cap_net_raw", "CAP_NET_RAW" -> 13. Every capability up to
// checkpoint_restore (40); KubeArmor's CRD stops at mac_admin (33).
std::optional<int> capability_number(std::string_view name);
// 13 -> "CAP_NET_RAW"
std::string capability_name(int number);
constexpr int kLastCapability = 40;

} // namespace kadapter

KADAPTER_PUBLIC_END
