// What PID 1 does before it serves: the filesystems the agent and the
// enforcer need, kernel modules, cgroup controllers, the loopback device.
#pragma once

#include <string>
#include <vector>

namespace guest_init {

// pivot_root(2) cannot leave the initramfs rootfs, so containers could not
// be pivoted into. Like switch_root, copy the initramfs into a tmpfs, move
// that onto / and re-execute /sbin/init from it. Returns only if nothing
// had to be done (or it failed, with a reason).
std::string switch_from_initramfs(char** argv);

// Mounts proc, sys, dev, dev/pts, dev/shm, run, cgroup2, securityfs and
// bpffs. Returns one line per mount that failed (empty when all worked).
std::vector<std::string> mount_early_filesystems();

// Loads the modules listed, in order, in /lib/modules/<release>/kadapter.modules
// (written by rootfs/ from modprobe's dependency order). Returns problems.
std::vector<std::string> load_kernel_modules();

void bring_up_loopback();

std::string read_text_file(const std::string& path);

} // namespace guest_init
