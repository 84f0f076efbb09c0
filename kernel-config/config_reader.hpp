// Finds the kernel configuration in what an operator has at hand: a
// .config, /proc/config.gz, or a kernel image (bzImage or vmlinux) built
// with CONFIG_IKCONFIG.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "kernel_config.hpp"

namespace kadapter::kernelcheck {

struct LoadedConfig {
    KernelConfig config;
    std::string format; // how it was found, e.g. "IKCONFIG in a zstd bzImage"
};

// Detects the kind of input by content, not by name. Throws kadapter::Error
// saying what was looked for when no configuration can be found.
LoadedConfig load_kernel_config(const std::filesystem::path& path);
LoadedConfig load_kernel_config_from(std::string_view bytes);

// The .config that CONFIG_IKCONFIG embeds (gzip'd, after the IKCFG_ST
// marker) in an uncompressed kernel; empty if there is no marker.
std::string extract_ikconfig(std::string_view kernel);

// The compressed kernel inside a bzImage (the setup header's payload_offset
// and payload_length); throws if `image` is not a bzImage.
std::string_view bzimage_payload(std::string_view image);
bool is_bzimage(std::string_view image);

} // namespace kadapter::kernelcheck
