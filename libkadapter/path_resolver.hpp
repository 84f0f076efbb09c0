// Resolves rule paths inside a container's root (symlink targets and
// inode identities), without following links out of that root.
#pragma once

#include <string>

#include "rule_map.hpp"

namespace kadapter {

// `root` is the container's root as seen by the caller (a rootfs
// directory or /proc/<pid>/root).
PathResolver make_root_resolver(const std::string& root);

} // namespace kadapter
