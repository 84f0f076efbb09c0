// UTF-8, as Kubernetes and protobuf require it of every string.
#pragma once

#include <string_view>

namespace kadapter::policy {

// Well-formed UTF-8: no stray continuation bytes, overlong forms,
// surrogates or code points above U+10FFFF.
bool valid_utf8(std::string_view s);
// Length in code points, as the CRD's maxLength counts.
size_t utf8_length(std::string_view s);

} // namespace kadapter::policy
