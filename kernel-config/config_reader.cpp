#include "config_reader.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "decompress.hpp"
#include "kadapter/error.hpp"

namespace kadapter::kernelcheck {
namespace {

using namespace std::string_view_literals;

// x86 boot protocol (Documentation/x86/boot.rst): offsets in the setup header.
constexpr size_t kSetupSects = 0x1f1;
constexpr size_t kHeaderMagic = 0x202; // "HdrS"
constexpr size_t kProtocolVersion = 0x206;
constexpr size_t kPayloadOffset = 0x248;
constexpr size_t kPayloadLength = 0x24c;

uint32_t le32(std::string_view d, size_t at)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<uint8_t>(d[at + i]);
    return v;
}

std::string read_all(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(Errc::NotFound, "cannot read " + path.string() + ": " + std::strerror(errno), errno);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool is_elf(std::string_view d)
{
    return d.starts_with("\x7f\x45\x4c\x46"sv);
}

LoadedConfig from_kernel(std::string_view kernel, const std::string& what)
{
    std::string text = extract_ikconfig(kernel);
    if (text.empty())
        throw Error(Errc::NotFound, what + " has no embedded configuration (it was built without CONFIG_IKCONFIG); "
                                           "check its .config, or /proc/config.gz in the guest, instead");
    return {KernelConfig::parse(text), "IKCONFIG in " + what};
}

} // namespace

bool is_bzimage(std::string_view image)
{
    return image.size() > kPayloadLength + 4 && image.substr(kHeaderMagic, 4) == "HdrS";
}

std::string_view bzimage_payload(std::string_view image)
{
    if (!is_bzimage(image))
        throw Error(Errc::InvalidArgument, "not a bzImage (no HdrS setup header)");
    uint16_t version = static_cast<uint8_t>(image[kProtocolVersion]) |
                       static_cast<uint16_t>(static_cast<uint8_t>(image[kProtocolVersion + 1]) << 8);
    if (version < 0x208)
        throw Error(Errc::Unsupported, "boot protocol older than 2.08 has no payload fields");
    size_t setup_sects = static_cast<uint8_t>(image[kSetupSects]);
    if (setup_sects == 0)
        setup_sects = 4; // as the boot protocol says
    size_t start = (setup_sects + 1) * 512 + le32(image, kPayloadOffset);
    size_t length = le32(image, kPayloadLength);
    if (start >= image.size() || length > image.size() - start)
        throw Error(Errc::InvalidArgument, "bzImage payload lies outside the file (truncated image?)");
    return image.substr(start, length);
}

std::string extract_ikconfig(std::string_view kernel)
{
    // The marker is followed directly by the gzip stream (kernel/configs.c).
    constexpr auto marker = "IKCFG_ST\x1f\x8b\x08"sv;
    size_t at = kernel.find(marker);
    if (at == std::string_view::npos)
        return {};
    return decompress(Compression::Gzip, kernel.substr(at + 8), size_t{64} << 20);
}

LoadedConfig load_kernel_config_from(std::string_view bytes)
{
    if (is_bzimage(bytes)) {
        std::string_view payload = bzimage_payload(bytes);
        Compression c = sniff_compression(payload);
        std::string what = std::string("a bzImage (") + to_string(c) + ")";
        if (c == Compression::None && !is_elf(payload))
            throw Error(Errc::Unsupported, "unknown bzImage payload format");
        std::string kernel = decompress(c, payload);
        return from_kernel(kernel, what);
    }
    if (is_elf(bytes))
        return from_kernel(bytes, "an uncompressed kernel (ELF)");
    if (sniff_compression(bytes) == Compression::Gzip) {
        // /proc/config.gz, or a gzip'd .config
        return {KernelConfig::parse(decompress(Compression::Gzip, bytes, size_t{64} << 20)), "gzip'd .config"};
    }
    return {KernelConfig::parse(bytes), ".config"};
}

LoadedConfig load_kernel_config(const std::filesystem::path& path)
{
    try {
        return load_kernel_config_from(read_all(path));
    } catch (const Error& e) {
        throw Error(e.code(), path.string() + ": " + e.what(), e.sys_errno());
    }
}

} // namespace kadapter::kernelcheck
