#include "cgroup_resources.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "boot.hpp"

namespace guest_init {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRoot = "/sys/fs/cgroup";
constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

void write_file(const std::string& dir, const std::string& file, const std::string& value)
{
    std::ofstream out(dir + "/" + file);
    out << value;
    out.flush();
    if (!out)
        throw std::runtime_error("writing '" + value + "' to " + dir + "/" + file + ": " + std::strerror(errno));
}

// A single-value file: a number, or "max" (kUnlimited); 0 when absent.
uint64_t read_value(const std::string& path)
{
    std::string text = read_text_file(path);
    if (text.empty())
        return 0;
    if (text.rfind("max", 0) == 0)
        return kUnlimited;
    return std::strtoull(text.c_str(), nullptr, 10);
}

// "key value" lines (cpu.stat, memory.stat, memory.events).
std::map<std::string, uint64_t> read_keyed(const std::string& path)
{
    std::map<std::string, uint64_t> out;
    std::istringstream in(read_text_file(path));
    std::string key;
    uint64_t value;
    while (in >> key >> value)
        out[key] = value;
    return out;
}

std::string limit_text(int64_t limit)
{
    return limit < 0 ? "max" : std::to_string(limit);
}

} // namespace

uint64_t shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

void enable_controllers(const std::string& cgroup_dir)
{
    std::string controllers = read_text_file(std::string(kRoot) + "/cgroup.controllers");
    std::istringstream in(controllers);
    std::string enable;
    for (std::string c; in >> c;)
        if (c == "cpu" || c == "cpuset" || c == "memory" || c == "pids" || c == "io" || c == "hugetlb")
            enable += "+" + c + " ";
    if (enable.empty())
        return;
    // The root and each level below it up to the container's parent
    // delegate them (below the root they hold no processes, as cgroup v2
    // requires; the root is exempt).
    fs::path dir = kRoot;
    std::ofstream(dir / "cgroup.subtree_control") << enable;
    for (const auto& part : fs::path(cgroup_dir).lexically_relative(kRoot).parent_path()) {
        dir /= part;
        std::ofstream(dir / "cgroup.subtree_control") << enable;
    }
}

void apply_resources(const std::string& dir, const grpc::LinuxResources& r)
{
    // Check everything before writing anything: no half-applied limits.
    if (r.has_memory()) {
        const auto& m = r.memory();
        if (m.limit() < -1 || m.swap() < -1 || m.reservation() < -1)
            throw std::invalid_argument("Linux.Resources.Memory: negative limits other than -1 (unlimited)");
        if (m.swap() > 0 && m.limit() > 0 && m.swap() < m.limit())
            throw std::invalid_argument("Linux.Resources.Memory.Swap (" + std::to_string(m.swap()) +
                                        ") is memory plus swap and must not be below Memory.Limit (" +
                                        std::to_string(m.limit()) + ")");
    }
    if (r.has_cpu() && r.cpu().quota() > 0 && r.cpu().period() == 0 && r.cpu().quota() < 1000)
        throw std::invalid_argument("Linux.Resources.CPU.Quota: below the kernel's minimum of 1000 us");

    if (r.has_memory()) {
        const auto& m = r.memory();
        if (m.reservation() != 0)
            write_file(dir, "memory.low", limit_text(m.reservation()));
        if (m.limit() != 0)
            write_file(dir, "memory.max", limit_text(m.limit()));
        // OCI's Swap is memory + swap (cgroup v1); v2 limits swap alone.
        if (m.swap() == -1)
            write_file(dir, "memory.swap.max", "max");
        else if (m.swap() > 0 && m.limit() > 0 && fs::exists(dir + "/memory.swap.max"))
            write_file(dir, "memory.swap.max", std::to_string(m.swap() - m.limit()));
    }
    if (r.has_cpu()) {
        const auto& c = r.cpu();
        if (uint64_t weight = shares_to_weight(c.shares()))
            write_file(dir, "cpu.weight", std::to_string(weight));
        if (c.quota() != 0 || c.period() != 0) {
            uint64_t period = c.period() ? c.period() : 100000;
            write_file(dir, "cpu.max",
                       (c.quota() > 0 ? std::to_string(c.quota()) : "max") + " " + std::to_string(period));
        }
        if (!c.cpus().empty())
            write_file(dir, "cpuset.cpus", c.cpus());
        if (!c.mems().empty())
            write_file(dir, "cpuset.mems", c.mems());
    }
    if (r.has_pids() && r.pids().limit() != 0)
        write_file(dir, "pids.max", limit_text(r.pids().limit()));
    for (const auto& h : r.hugepagelimits())
        write_file(dir, "hugetlb." + h.pagesize() + ".max", std::to_string(h.limit()));
}

grpc::CgroupStats read_stats(const std::string& dir)
{
    grpc::CgroupStats s;

    auto cpu = read_keyed(dir + "/cpu.stat"); // microseconds; the shim wants nanoseconds
    auto* usage = s.mutable_cpu_stats()->mutable_cpu_usage();
    usage->set_total_usage(cpu["usage_usec"] * 1000);
    usage->set_usage_in_usermode(cpu["user_usec"] * 1000);
    usage->set_usage_in_kernelmode(cpu["system_usec"] * 1000);
    auto* throttling = s.mutable_cpu_stats()->mutable_throttling_data();
    throttling->set_periods(cpu["nr_periods"]);
    throttling->set_throttled_periods(cpu["nr_throttled"]);
    throttling->set_throttled_time(cpu["throttled_usec"] * 1000);

    auto* mem = s.mutable_memory_stats();
    auto stat = read_keyed(dir + "/memory.stat");
    auto events = read_keyed(dir + "/memory.events");
    mem->set_cache(stat["file"]);
    mem->set_use_hierarchy(true);
    for (const auto& [k, v] : stat)
        (*mem->mutable_stats())[k] = v;
    auto* u = mem->mutable_usage();
    u->set_usage(read_value(dir + "/memory.current"));
    u->set_max_usage(read_value(dir + "/memory.peak"));
    u->set_limit(read_value(dir + "/memory.max"));
    u->set_failcnt(events["max"]);
    auto* swap = mem->mutable_swap_usage();
    swap->set_usage(read_value(dir + "/memory.swap.current"));
    swap->set_limit(read_value(dir + "/memory.swap.max"));
    mem->mutable_kernel_usage()->set_usage(stat["kernel"]);

    s.mutable_pids_stats()->set_current(read_value(dir + "/pids.current"));
    s.mutable_pids_stats()->set_limit(read_value(dir + "/pids.max"));

    // io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..".
    std::istringstream io(read_text_file(dir + "/io.stat"));
    for (std::string line; std::getline(io, line);) {
        std::istringstream fields(line);
        std::string dev;
        fields >> dev;
        uint64_t major = 0, minor = 0;
        if (std::sscanf(dev.c_str(), "%lu:%lu", &major, &minor) != 2)
            continue;
        for (std::string kv; fields >> kv;) {
            auto eq = kv.find('=');
            if (eq == std::string::npos)
                continue;
            std::string key = kv.substr(0, eq);
            uint64_t value = std::strtoull(kv.c_str() + eq + 1, nullptr, 10);
            grpc::BlkioStatsEntry* e = nullptr;
            if (key == "rbytes" || key == "wbytes")
                e = s.mutable_blkio_stats()->add_io_service_bytes_recursive();
            else if (key == "rios" || key == "wios")
                e = s.mutable_blkio_stats()->add_io_serviced_recursive();
            if (!e)
                continue;
            e->set_major(major);
            e->set_minor(minor);
            e->set_op(key[0] == 'r' ? "Read" : "Write");
            e->set_value(value);
        }
    }
    return s;
}

uint64_t oom_kills(const std::string& dir)
{
    return read_keyed(dir + "/memory.events")["oom_kill"];
}

} // namespace guest_init
