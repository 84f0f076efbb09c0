#include "path_resolver.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <memory>
#include <sstream>

#include "kadapter/unique_fd.hpp"

namespace kadapter {
namespace {

constexpr int kMaxSymlinks = 40; // as the kernel's own limit

std::deque<std::string> components(const std::string& path)
{
    std::deque<std::string> out;
    std::stringstream ss(path);
    for (std::string c; std::getline(ss, c, '/');)
        if (!c.empty() && c != ".")
            out.push_back(c);
    return out;
}

std::string join(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& p : parts)
        out += "/" + p;
    return out.empty() ? "/" : out;
}

} // namespace

/*
 * Resolves `path` the way the container sees it: symlinks are followed
 * textually with readlinkat() below the root fd, so an absolute link target
 * restarts at the container's root, ".." never climbs above it, and the
 * container's own mounts are crossed (the root fd lives in its mount
 * namespace when it is /proc/<pid>/root).
 */
PathResolver make_root_resolver(const std::string& root)
{
    auto root_fd = std::make_shared<UniqueFd>(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!*root_fd)
        return {}; // no root to resolve in: rules stay purely path-based

    return [root_fd](const std::string& path) -> ResolvedPath {
        std::deque<std::string> pending = components(path);
        std::vector<std::string> done;
        int links = 0;
        bool exists = true;
        while (!pending.empty()) {
            std::string c = pending.front();
            pending.pop_front();
            if (c == "..") {
                if (!done.empty())
                    done.pop_back();
                continue;
            }
            done.push_back(c);
            if (!exists)
                continue; // below a missing component: nothing to resolve
            std::string rel = join(done).substr(1);
            char buf[PATH_MAX];
            ssize_t n = ::readlinkat(root_fd->get(), rel.c_str(), buf, sizeof(buf));
            if (n >= 0) {
                if (++links > kMaxSymlinks)
                    return {};
                std::string target(buf, static_cast<size_t>(n));
                done.pop_back();
                if (target.starts_with('/'))
                    done.clear();
                auto more = components(target);
                pending.insert(pending.begin(), more.begin(), more.end());
            } else if (errno == ENOENT || errno == ENOTDIR) {
                exists = false;
            } else if (errno != EINVAL) { // EINVAL: not a symlink
                return {};
            }
        }

        ResolvedPath out;
        out.target = join(done);
        if (!exists)
            return out;
        struct stat st {};
        std::string rel = out.target.substr(1);
        if (::fstatat(root_fd->get(), rel.empty() ? "." : rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode)) {
            out.dev = kernel_dev_of(st.st_dev);
            out.ino = st.st_ino;
        }
        return out;
    };
}

} // namespace kadapter
