// kadapter-kernel-check: which kernels can enforce, and what it tells an
// operator whose kernel cannot. Sample configs are trimmed to the options
// the fragment names (tests/unit/data/kernel-config/); compressed files and
// kernel images are built here from them.
#include <catch2/catch.hpp>

#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_reader.hpp"
#include "kadapter/error.hpp"
#include "kernel_check.hpp"
#include "kernel_check_command.hpp"
#include "requirements.hpp"

using namespace kadapter::kernelcheck;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(KADAPTER_TEST_DATA_DIR) / "kernel-config";

std::string read(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string gzip(const std::string& data)
{
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, data.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string xz(const std::string& data)
{
    std::string out(lzma_stream_buffer_bound(data.size()), '\0');
    size_t pos = 0;
    REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const uint8_t*>(data.data()),
                                    data.size(), reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) == LZMA_OK);
    out.resize(pos);
    return out;
}

std::string zstd(const std::string& data)
{
    std::string out(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 19);
    REQUIRE_FALSE(ZSTD_isError(n));
    out.resize(n);
    return out;
}

// An uncompressed kernel as CONFIG_IKCONFIG lays it out: the gzip'd .config
// between IKCFG_ST and IKCFG_ED somewhere in .rodata.
std::string fake_vmlinux(const std::string& config)
{
    std::string elf = std::string("\x7f\x45\x4c\x46\x02\x01\x01", 7) + std::string(4000, '\x90');
    return elf + "IKCFG_ST" + gzip(config) + "IKCFG_ED" + std::string(3000, '\0');
}

void put_le32(std::string& s, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// A bzImage: setup sectors with the boot protocol header, then the
// protected-mode part holding the compressed kernel and its size.
std::string fake_bzimage(const std::string& compressed_kernel, uint32_t uncompressed_size)
{
    const int setup_sects = 3;
    std::string image((setup_sects + 1) * 512, '\0');
    image[0x1f1] = setup_sects;
    image.replace(0x202, 4, "HdrS");
    image[0x206] = 0x0f; // protocol 2.15
    image[0x207] = 0x02;
    const uint32_t offset = 0x3a0; // the decompressor stub comes first
    put_le32(image, 0x248, offset);
    std::string payload = compressed_kernel + std::string(4, '\0');
    put_le32(payload, compressed_kernel.size(), uncompressed_size); // as the kernel's *_with_size appends it
    put_le32(image, 0x24c, static_cast<uint32_t>(payload.size()));
    return image + std::string(offset, '\xcc') + payload + std::string(512, '\0');
}

std::vector<std::string> named(const Report& r)
{
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        out.push_back(f.requirement.option);
    std::sort(out.begin(), out.end());
    return out;
}

struct TempFile {
    fs::path path;
    explicit TempFile(const std::string& bytes)
    {
        char tmpl[] = "/tmp/kadapter-kcheck.XXXXXX";
        int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = tmpl;
        std::ofstream(path, std::ios::binary) << bytes;
    }
    ~TempFile() { fs::remove(path); }
};

struct Run {
    int status;
    std::string out, err;
};

Run run(KernelCheckArgs args)
{
    std::ostringstream out, err;
    int status = run_kernel_check(args, out, err);
    return {status, out.str(), err.str()};
}

} // namespace

TEST_CASE("the fragment gives every option a reason, and the checker checks what it sets")
{
    const auto& reqs = bpf_lsm_requirements();
    REQUIRE(reqs.size() >= 20);
    auto find = [&](const std::string& name) {
        auto it = std::find_if(reqs.begin(), reqs.end(), [&](const Requirement& r) { return r.option == name; });
        REQUIRE(it != reqs.end());
        return *it;
    };
    for (const auto& r : reqs)
        CHECK_FALSE(r.reason.empty());
    CHECK(find("CONFIG_BPF_LSM").value == "y");
    CHECK(find("CONFIG_BPF_LSM").checked);
    CHECK(find("CONFIG_DEBUG_INFO_BTF").reason.find("BTF") != std::string::npos);
    CHECK(find("CONFIG_LSM").value.find("bpf\"") != std::string::npos);
    // How to build, not what to have: a kernel with DWARF 5 has BTF just as well.
    CHECK_FALSE(find("CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT").checked);
    CHECK_FALSE(find("CONFIG_MODULES").checked);
    // BPF_EVENTS needs kprobe or uprobe events: which one is the builder's choice.
    CHECK_FALSE(find("CONFIG_KPROBE_EVENTS").checked);

    CHECK_THROWS_WITH(parse_fragment("CONFIG_X=y\n"), Catch::Contains("no reason"));
    CHECK_THROWS_WITH(parse_fragment("# why\nCONFIG_X\n"), Catch::Contains("cannot parse"));
}

TEST_CASE("Debian 12's kernel config passes")
{
    auto loaded = load_kernel_config(kData / "debian-12.config");
    CHECK(loaded.format == ".config");
    auto report = check(loaded.config, bpf_lsm_requirements());
    INFO(named(report).size() << " findings");
    CHECK(report.ok());
    CHECK(report.checked == bpf_lsm_requirements().size() - 4);

    auto r = run({(kData / "debian-12.config").string(), "", false});
    CHECK(r.status == 0);
    CHECK(r.out.find("OK: all") != std::string::npos);
}

TEST_CASE("a kernel from Kata's default fragments fails, naming each missing option with its reason")
{
    auto loaded = load_kernel_config(kData / "kata-default.config");
    auto report = check(loaded.config, bpf_lsm_requirements());
    CHECK(named(report) == std::vector<std::string>{"CONFIG_BPF_EVENTS", "CONFIG_BPF_JIT", "CONFIG_BPF_LSM",
                                                    "CONFIG_DEBUG_INFO", "CONFIG_DEBUG_INFO_BTF",
                                                    "CONFIG_DYNAMIC_FTRACE", "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
                                                    "CONFIG_FTRACE", "CONFIG_FUNCTION_TRACER", "CONFIG_SECURITYFS"});

    auto r = run({(kData / "kata-default.config").string(), "", false});
    CHECK(r.status == 1);
    CHECK(r.out.find("CONFIG_BPF_LSM is not set, want y: BPF_PROG_TYPE_LSM") != std::string::npos);
    CHECK(r.out.find("CONFIG_SECURITYFS is not set, want y: /sys/kernel/security/lsm") != std::string::npos);
    CHECK(r.out.find("FAIL: 10 of") != std::string::npos);
}

TEST_CASE("wrong values are told apart from missing ones")
{
    auto config = KernelConfig::parse("CONFIG_BPF_LSM=m\nCONFIG_BPF_JIT=n\n# CONFIG_SECURITY is not set\n"
                                      "CONFIG_SECURITY=y\n# CONFIG_SECURITY is not set\n");
    auto report = check(config, bpf_lsm_requirements());
    auto problem = [&](const std::string& name) {
        for (const auto& f : report.findings)
            if (f.requirement.option == name)
                return f.problem;
        return std::string("(passes)");
    };
    CHECK(problem("CONFIG_BPF_LSM") == "is a module (m), want built in (y)");
    CHECK(problem("CONFIG_BPF_JIT") == "is n, want y");
    CHECK(problem("CONFIG_SECURITY") == "is not set, want y"); // the last line wins
    CHECK_THROWS_AS(KernelConfig::parse("just some text\n"), kadapter::Error);
}

TEST_CASE("the LSM list: CONFIG_LSM or the lsm= that overrides it must name bpf")
{
    std::string debian = read(kData / "debian-12.config");
    auto without_bpf = debian;
    auto at = without_bpf.find(",bpf\"");
    REQUIRE(at != std::string::npos);
    without_bpf.erase(at, 4);
    auto config = KernelConfig::parse(without_bpf);
    auto report = check(config, bpf_lsm_requirements());
    REQUIRE(named(report) == std::vector<std::string>{"CONFIG_LSM"});
    CHECK(report.findings[0].problem.find("lacks \"bpf\"") != std::string::npos);

    // Kata's kernel_params can add it...
    CHECK(check(config, bpf_lsm_requirements(), {"console=hvc0 lsm=lockdown,yama,bpf quiet"}).ok());
    // ...or take it away from a kernel that has it.
    auto off = check(KernelConfig::parse(debian), bpf_lsm_requirements(), {"lsm=lockdown,capability,landlock"});
    REQUIRE(named(off) == std::vector<std::string>{"CONFIG_LSM"});
    CHECK(off.findings[0].problem.find("lsm=lockdown,capability,landlock on the kernel command line") !=
          std::string::npos);
}

TEST_CASE("/proc/config.gz is read like a .config")
{
    TempFile gz(gzip(read(kData / "kata-default.config")));
    auto loaded = load_kernel_config(gz.path);
    CHECK(loaded.format == "gzip'd .config");
    CHECK(named(check(loaded.config, bpf_lsm_requirements())).size() == 10);
}

TEST_CASE("the configuration embedded in a kernel image (IKCONFIG) is found")
{
    std::string debian = read(kData / "debian-12.config");
    std::string vmlinux = fake_vmlinux(debian);

    SECTION("an uncompressed vmlinux")
    {
        auto loaded = load_kernel_config_from(vmlinux);
        CHECK(loaded.format == "IKCONFIG in an uncompressed kernel (ELF)");
        CHECK(check(loaded.config, bpf_lsm_requirements()).ok());
    }
    SECTION("bzImages compressed with gzip, xz and zstd")
    {
        for (auto [name, packed] :
             {std::pair{"gzip", gzip(vmlinux)}, std::pair{"xz", xz(vmlinux)}, std::pair{"zstd", zstd(vmlinux)}}) {
            TempFile image(fake_bzimage(packed, static_cast<uint32_t>(vmlinux.size())));
            auto r = run({image.path.string(), "", false});
            INFO(name << ": " << r.out << r.err);
            CHECK(r.status == 0);
            CHECK(r.out.find(std::string("IKCONFIG in a bzImage (") + name + ")") != std::string::npos);
        }
    }
    SECTION("a kernel built without IKCONFIG says so and exits 2")
    {
        std::string plain = std::string("\x7f\x45\x4c\x46\x02\x01\x01", 7) + std::string(9000, '\x90');
        TempFile image(fake_bzimage(xz(plain), static_cast<uint32_t>(plain.size())));
        auto r = run({image.path.string(), "", false});
        CHECK(r.status == 2);
        CHECK(r.err.find("a bzImage (xz) has no embedded configuration (it was built without CONFIG_IKCONFIG)") !=
              std::string::npos);
    }
    SECTION("a payload format we do not read is named")
    {
        std::string lz4 = std::string("\x02\x21\x4c\x18", 4) + std::string(64, 'x');
        CHECK_THROWS_WITH(load_kernel_config_from(fake_bzimage(lz4, 1000)),
                          Catch::Contains("lz4 compression is not supported"));
    }
    SECTION("a truncated image is an error, not a pass")
    {
        std::string image = fake_bzimage(zstd(vmlinux), static_cast<uint32_t>(vmlinux.size()));
        CHECK_THROWS_AS(load_kernel_config_from(image.substr(0, image.size() - 1500)), kadapter::Error);
    }
}

TEST_CASE("the command line: missing files, and the fragment for Kata's build")
{
    auto missing = run({"/nonexistent/config", "", false});
    CHECK(missing.status == 2);
    CHECK(missing.err.find("cannot read /nonexistent/config") != std::string::npos);

    auto frag = run({"", "", true});
    CHECK(frag.status == 0);
    CHECK(frag.out == std::string(bpf_lsm_fragment()));
    CHECK(frag.out.find("CONFIG_BPF_LSM=y") != std::string::npos);
}
