#include "accelerator.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "child_process.hpp"
#include "log_text.hpp"
#include "temp_dir.hpp"

namespace kadapter::vm {
namespace {

constexpr auto kProbeTimeout = std::chrono::seconds(10);
// What the probe guest's shell (the initrd's /bin/sh, on the console the
// kernel opens for init) prints once userland runs; computed, so the
// kernel's echo of its command line cannot fake it. Then it powers off,
// or exits and the kernel's panic=-1 ends QEMU.
constexpr const char* kProbeMarker = "kadapter-accel-probe: 42";
constexpr const char* kProbeCommand =
    "echo kadapter-accel-probe: $((6*7)); exec /opt/kadapter/rootfs/busybox/bin/busybox poweroff -f";

std::string first_line(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string cpu_model()
{
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0)
            return line.substr(line.find(':') + 1);
    return "";
}

// Path, size and modification time: a rebuilt or upgraded file is another.
std::string file_identity(const std::string& path)
{
    std::error_code ec;
    std::string real = std::filesystem::canonical(path, ec).string();
    struct stat st {};
    if (ec || ::stat(real.c_str(), &st) != 0)
        return path + " (missing)";
    return real + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

// The machine, QEMU and the guest kernel: what a verdict depends on.
std::string cache_key(const std::string& qemu, const std::string& kernel)
{
    utsname u{};
    ::uname(&u);
    return std::string("machine=") + first_line("/etc/machine-id") + " host-kernel=" + u.release +
           " cpu=" + cpu_model() + " qemu=" + file_identity(qemu) + " guest-kernel=" + file_identity(kernel);
}

std::string fnv1a_hex(const std::string& s)
{
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string cache_dir()
{
    if (const char* d = ::getenv("KADAPTER_ACCEL_CACHE"); d && *d)
        return d;
    return KADAPTER_ACCEL_CACHE_DIR;
}

struct Verdict {
    bool kvm = false;
    std::string reason;
};

std::optional<Verdict> read_cache(const std::string& file, const std::string& key)
{
    std::ifstream in(file);
    std::string verdict, reason, stored_key;
    if (!std::getline(in, verdict) || !std::getline(in, reason) || !std::getline(in, stored_key) || stored_key != key)
        return std::nullopt;
    if (verdict != "kvm" && verdict != "tcg")
        return std::nullopt;
    return Verdict{verdict == "kvm", reason};
}

void write_cache(const std::string& file, const std::string& key, const Verdict& v)
{
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path(), ec);
    const std::string tmp = file + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp);
        out << (v.kvm ? "kvm" : "tcg") << "\n" << v.reason << "\n" << key << "\n";
        if (!out)
            return; // an unwritable cache only costs a probe next time
    }
    std::filesystem::rename(tmp, file, ec);
}

// One line of at most `max` characters: QEMU's messages span several.
std::string squeeze(const std::string& s, size_t max = 400)
{
    std::string out;
    std::stringstream lines(s);
    for (std::string line; std::getline(lines, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty())
            out += (out.empty() ? "" : "; ") + line;
    }
    return out.size() <= max ? out : out.substr(0, max) + "...";
}

std::string last_line(const std::string& text)
{
    size_t end = text.find_last_not_of("\r\n ");
    if (end == std::string::npos)
        return "";
    size_t start = text.find_last_of('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// A short KVM boot of the guest's kernel to a shell that prints the marker
// and powers off.
Verdict probe_kvm(const std::string& qemu, const std::string& kernel, const std::string& initrd)
{
    TempDir dir("kadapter-accel-probe");
    std::vector<std::string> args = {qemu};
    for (auto& a : machine_args(Accel::kvm))
        args.push_back(a);
    args.insert(args.end(),
                {"-m", "256", "-smp", "1", "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none",
                 "-serial", "file:" + (dir / "console.log"), "-kernel", kernel, "-initrd", initrd, "-append",
                 std::string("console=ttyS0 panic=-1 quiet rdinit=/bin/sh -- -c \"") + kProbeCommand + "\""});
    const auto started = std::chrono::steady_clock::now();
    ChildProcess q(args, dir / "qemu.log");
    for (;;) {
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (read_text(dir / "console.log").find(kProbeMarker) != std::string::npos) {
            char took[32];
            std::snprintf(took, sizeof(took), "%.1f",
                          std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 1000.0);
            q.stop();
            return {true, std::string("the probe guest booted under KVM in ") + took + " s"};
        }
        if (!q.running()) {
            std::string said = squeeze(read_text(dir / "qemu.log"));
            if (said.empty())
                said =
                    "QEMU " + describe_wait_status(q.status().value_or(0)) +
                    " before the guest's userland ran; console: " + squeeze(last_line(read_text(dir / "console.log")));
            return {false, said};
        }
        if (elapsed > kProbeTimeout) {
            std::string console = last_line(read_text(dir / "console.log"));
            return {false, "the probe guest showed no sign of life under KVM within " +
                               std::to_string(kProbeTimeout.count()) + " s" +
                               (console.empty() ? std::string(" (an empty console)")
                                                : "; its console ends: " + squeeze(console))};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

AcceleratorChoice decide(const std::string& kernel, const std::string& initrd)
{
    const char* env = ::getenv("KADAPTER_ACCEL");
    const std::string mode = env && *env ? env : "auto";
    if (mode != "auto" && mode != "kvm" && mode != "tcg")
        throw GuestVmError("KADAPTER_ACCEL='" + mode + "': expected auto, kvm or tcg");
    if (mode == "tcg")
        return {Accel::tcg, "KADAPTER_ACCEL=tcg"};

    const std::string qemu = find_qemu();
    if (qemu.empty())
        throw GuestVmError("qemu-system-x86_64 is not on PATH (scripts/setup.sh installs Debian's qemu-system-x86)");
    const std::string key = cache_key(qemu, kernel);
    const std::string file = cache_dir() + "/" + fnv1a_hex(key);
    std::string source = "probed now, cached in " + file;
    std::optional<Verdict> v = read_cache(file, key);
    if (v) {
        source = "cached in " + file;
    } else {
        v = probe_kvm(qemu, kernel, initrd);
        write_cache(file, key, *v);
    }
    if (v->kvm)
        return {Accel::kvm, v->reason + "; " + source};
    if (mode == "kvm")
        throw GuestVmError("KADAPTER_ACCEL=kvm, but KVM cannot boot a guest on this machine: " + v->reason + " (" +
                           source + ")");
    return {Accel::tcg, "KVM cannot boot a guest here: " + v->reason + " (" + source + ")"};
}

} // namespace

const char* accel_name(Accel accel)
{
    return accel == Accel::kvm ? "KVM" : "TCG";
}

std::vector<std::string> machine_args(Accel accel)
{
    if (accel == Accel::kvm)
        return {"-machine", "q35,accel=kvm", "-cpu", "host"};
    return {"-machine", "q35,accel=tcg", "-cpu", "max"};
}

std::string find_qemu()
{
    const char* path = ::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::string candidate = (dir.empty() ? "." : dir) + "/qemu-system-x86_64";
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return "";
}

const AcceleratorChoice& choose_accelerator(const std::string& kernel, const std::string& initrd)
{
    static std::mutex mu;
    static std::map<std::string, AcceleratorChoice> chosen; // by kernel
    std::lock_guard lock(mu);
    if (auto it = chosen.find(kernel); it != chosen.end())
        return it->second;
    AcceleratorChoice c = decide(kernel, initrd);
    std::cerr << "kadapter: guests run under " << accel_name(c.accel)
              << (c.accel == Accel::tcg ? " (software emulation)" : "") << ": " << c.reason << "\n";
    return chosen.emplace(kernel, std::move(c)).first->second;
}

} // namespace kadapter::vm
