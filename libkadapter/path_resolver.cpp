#include "path_resolver.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>

#include "kadapter/unique_fd.hpp"

namespace kadapter {
namespace {

std::string fd_path(int fd)
{
    char buf[4096];
    std::string link = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
    return n > 0 ? std::string(buf, n) : std::string{};
}

} // namespace

PathResolver make_root_resolver(const std::string& root)
{
    auto root_fd = std::make_shared<UniqueFd>(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!*root_fd)
        return {}; // no root to resolve in: rules stay purely path-based
    std::string prefix = fd_path(root_fd->get());
    if (prefix == "/")
        prefix.clear();

    return [root_fd, prefix](const std::string& path) -> ResolvedPath {
        open_how how{};
        how.flags = O_PATH | O_CLOEXEC;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        UniqueFd fd(static_cast<int>(syscall(SYS_openat2, root_fd->get(), path.c_str(), &how, sizeof(how))));
        if (!fd)
            return {};
        ResolvedPath out;
        struct stat st {};
        if (fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
            out.dev = kernel_dev_of(st.st_dev);
            out.ino = st.st_ino;
        }
        std::string full = fd_path(fd.get());
        if (!full.empty() && full.starts_with(prefix) &&
            (prefix.empty() || full.size() == prefix.size() || full[prefix.size()] == '/')) {
            out.target = full.substr(prefix.size());
            if (out.target.empty())
                out.target = "/";
        }
        return out;
    };
}

} // namespace kadapter
