// kadapter-bench: the per-operation cost of enforcement, measured inside
// the guest. Booted as the guest's init by kadapter-bench-run (it must own
// the kernel's BPF-LSM state), it times the same operations in one worker
// process under five conditions, in one run:
//
//   baseline   no kadapter programs in the kernel (before loading, after closing)
//   unbound    programs attached, the worker in no container (guest-init's case)
//   N rules    the worker in a bound container whose rule set has N rules in
//              each category (file, process, network, capabilities), for
//              N = 1, 100, 10000; swapped with apply(), round-robin, so
//              drift in the emulator hits every N alike
//
// Every figure is the best over rounds of the mean cost of one operation.
// It then reads the kernel's own BPF statistics (run_time_ns / run_cnt per
// program, kernel.bpf_stats_enabled via BPF_ENABLE_STATS) for each N.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/capability.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kadapter/enforcer.hpp"
#include "kadapter/unique_fd.hpp"
#include "oneshot_init.h"
#include <stdexcept>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kCgroup = "/sys/fs/cgroup/bench";
constexpr const char* kOpenTarget = "/tmp/bench/a/b/c/file"; // depth 5, like an app's config file
constexpr int kRounds = 11;
const std::vector<size_t> kSizes = {1, 100, 10000};

enum Op { Open, Exec, Socket, Capable, OpCount };
constexpr const char* kOpNames[OpCount] = {"open", "exec", "socket", "capable"};
// Iterations per round: exec (fork + execve + wait) is ~1000x an open.
constexpr int kIterations[OpCount] = {4000, 40, 4000, 4000};

std::string self_path;
// Absolute times only on a real CPU (KVM): under TCG they are an emulated
// CPU's, and only ratios within the run mean anything.
bool absolute_times = false;

struct Sample {
    double ns[OpCount];
};

// One operation, `n` times; returns ns per operation. Failures are fatal:
// a denied operation would time the deny path, not the allow path.
double time_op(Op op, int n)
{
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        switch (op) {
        case Open: {
            int fd = ::open(kOpenTarget, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                throw std::runtime_error(std::string("open: ") + std::strerror(errno));
            ::close(fd);
            break;
        }
        case Exec: {
            pid_t pid = ::fork();
            if (pid == 0) {
                ::execl(self_path.c_str(), self_path.c_str(), "--noop", nullptr);
                ::_exit(127);
            }
            int status = 0;
            if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                throw std::runtime_error("exec: the child failed");
            break;
        }
        case Socket: {
            int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0)
                throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
            ::close(fd);
            break;
        }
        case Capable:
            // setgid(0) as root: one capable(CAP_SETGID) check, no other hook.
            if (::setgid(0) != 0)
                throw std::runtime_error(std::string("setgid: ") + std::strerror(errno));
            break;
        default:
            break;
        }
    }
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
}

// A worker process: joins `cgroup` (if any), then measures one round per
// byte it reads from the command pipe and writes a Sample back.
class Worker {
public:
    explicit Worker(const char* cgroup)
    {
        int to[2], from[2];
        if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        pid_ = ::fork();
        if (pid_ < 0)
            throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::close(to[1]);
            ::close(from[0]);
            ::_exit(serve(cgroup, to[0], from[1]));
        }
        ::close(to[0]);
        ::close(from[1]);
        command_ = kadapter::UniqueFd(to[1]);
        result_ = kadapter::UniqueFd(from[0]);
    }
    ~Worker()
    {
        command_.reset();
        int status;
        ::waitpid(pid_, &status, 0);
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    Sample measure()
    {
        Sample s{};
        char c = 'm';
        if (::write(command_.get(), &c, 1) != 1 || ::read(result_.get(), &s, sizeof(s)) != sizeof(s))
            throw std::runtime_error("the worker died (see the console above)");
        return s;
    }

private:
    static int serve(const char* cgroup, int commands, int results)
    {
        if (cgroup) {
            std::string procs = std::string(cgroup) + "/cgroup.procs";
            FILE* f = std::fopen(procs.c_str(), "w");
            if (!f || std::fprintf(f, "0\n") < 0 || std::fclose(f) != 0) {
                std::printf("kadapter-bench: cannot join %s\n", cgroup);
                return 1;
            }
        }
        char c;
        while (::read(commands, &c, 1) == 1) {
            Sample s{};
            try {
                for (int op = 0; op < OpCount; ++op)
                    s.ns[op] = time_op(Op(op), kIterations[op]);
            } catch (const std::exception& e) {
                std::printf("kadapter-bench: worker: %s\n", e.what());
                return 1;
            }
            if (::write(results, &s, sizeof(s)) != sizeof(s))
                return 1;
        }
        return 0;
    }

    pid_t pid_ = -1;
    kadapter::UniqueFd command_, result_;
};

// The best round: noise (other guest activity, the emulator's own work)
// only ever adds time, so the minimum is the steadiest estimate of what an
// operation itself costs.
double best(const std::vector<double>& v)
{
    return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

struct Series {
    std::vector<double> ns[OpCount];
    void add(const Sample& s)
    {
        for (int op = 0; op < OpCount; ++op)
            ns[op].push_back(s.ns[op]);
    }
    double at(int op) const { return best(ns[op]); }
};

// N rules in each category; none matches what the worker does, so every
// operation takes the full lookup path and is allowed. Rule i alternates
// between the shapes a real policy has (exact paths, recursive directories,
// read-only paths, fromSource), so every kind of key is in the maps. Rule 0
// is a directory rule: what an operation costs depends on the depths at
// which directory rules exist (one lookup per such depth), not on how many
// rules there are, so the 1-rule set has the same shape as the others.
kadapter::RuleSet make_rules(size_t n)
{
    using namespace kadapter;
    RuleSet r;
    RuleOrigin origin;
    origin.policy = "bench";
    r.origins.push_back(origin);
    for (size_t i = 0; i < n; ++i) {
        std::string k = std::to_string(i);
        PathRule file;
        file.path = "/srv/data/" + k + "/secret";
        if (i % 3 == 0) {
            file.match = PathMatch::RecursiveDirectory;
            file.path = "/srv/tree-" + k + "/";
        } else if (i % 3 == 2) {
            file.read_only = true;
        }
        r.file.push_back(file);

        PathRule proc;
        proc.path = "/usr/local/bin/tool-" + k;
        if (i % 2 == 0) {
            proc.match = PathMatch::RecursiveDirectory;
            proc.path = "/opt/tools-" + k + "/";
        }
        r.process.push_back(proc);

        NetworkRule net;
        net.protocol = Protocol::Raw;
        if (i > 0) {
            net.protocol = Protocol::Udp;
            net.source = "/usr/local/bin/client-" + k;
        }
        r.network.push_back(net);

        CapabilityRule cap;
        cap.capability = CAP_NET_ADMIN;
        if (i > 0) {
            cap.capability = int(i % (CAP_LAST_CAP + 1));
            cap.source = "/usr/local/bin/admin-" + k;
        }
        r.capabilities.push_back(cap);
    }
    return r;
}

struct ProgramStat {
    uint64_t run_time_ns = 0, run_cnt = 0;
};

// Per program name: the kernel's cumulative statistics for our programs.
std::map<std::string, ProgramStat> program_stats()
{
    std::map<std::string, ProgramStat> out;
    uint32_t id = 0;
    while (bpf_prog_get_next_id(id, &id) == 0) {
        kadapter::UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (fd.get() < 0)
            continue;
        bpf_prog_info info{};
        uint32_t len = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0 || info.type != BPF_PROG_TYPE_LSM)
            continue;
        auto& s = out[info.name];
        s.run_time_ns += info.run_time_ns;
        s.run_cnt += info.run_cnt;
    }
    return out;
}

void setup_files()
{
    for (const char* dir : {"/tmp/bench", "/tmp/bench/a", "/tmp/bench/a/b", "/tmp/bench/a/b/c"})
        ::mkdir(dir, 0755);
    FILE* f = std::fopen(kOpenTarget, "w");
    if (!f || std::fputs("bench\n", f) < 0 || std::fclose(f) != 0)
        throw std::runtime_error(std::string("cannot write ") + kOpenTarget);
    if (::mkdir(kCgroup, 0755) != 0 && errno != EEXIST)
        throw std::runtime_error(std::string("cannot create ") + kCgroup);
}

void print_row(const char* label, const Series& s, const Series& base, std::optional<const Series*> one)
{
    std::printf("| %-22s |", label);
    for (int op = 0; op < OpCount; ++op) {
        if (absolute_times)
            std::printf(" %8.2f µs  %5.3fx", s.at(op) / 1000, s.at(op) / base.at(op));
        else
            std::printf(" %5.3fx", s.at(op) / base.at(op));
        if (one)
            std::printf(" (%5.3fx)", s.at(op) / (*one)->at(op));
        std::printf(" |");
    }
    std::printf("\n");
}

int run()
{
    setup_files();
    const uint64_t cgroup = kadapter::cgroup_id_of(kCgroup);

    std::printf("kadapter-bench: building rule sets\n");
    std::map<size_t, kadapter::RuleSet> rules;
    for (size_t n : kSizes)
        rules[n] = make_rules(n);

    Series baseline, unbound;
    std::map<size_t, Series> bound;
    std::map<size_t, std::map<std::string, ProgramStat>> kernel; // per N: deltas per program

    std::printf("kadapter-bench: baseline, no programs (%d rounds)\n", kRounds);
    {
        Worker w(nullptr);
        for (int r = 0; r < kRounds; ++r)
            baseline.add(w.measure());
    }

    {
        kadapter::Enforcer enforcer(kadapter::EnforcerOptions{.max_alerts_per_sec = 0});
        kadapter::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
        if (stats.get() < 0)
            std::printf("kadapter-bench: BPF_ENABLE_STATS failed (%s): no kernel statistics\n", std::strerror(errno));

        std::printf("kadapter-bench: programs attached, worker unbound (%d rounds)\n", kRounds);
        {
            Worker w(nullptr);
            for (int r = 0; r < kRounds; ++r)
                unbound.add(w.measure());
        }

        auto id = enforcer.bind_cgroup("bench", cgroup, rules.at(kSizes.front()));
        Worker w(kCgroup);
        std::printf("kadapter-bench: bound container at 1, 100, 10000 rules per category (%d rounds)\n", kRounds);
        for (int r = 0; r < kRounds; ++r) {
            // Rotated each round, and one untimed round after each swap, so
            // neither the order nor a cold cache favours one size.
            for (size_t k = 0; k < kSizes.size(); ++k) {
                size_t n = kSizes[(k + r) % kSizes.size()];
                auto t0 = Clock::now();
                enforcer.apply(id, rules.at(n));
                if (r == 0)
                    std::printf("kadapter-bench:   apply(%zu rules per category): %.0f ms, %zu map entries\n", n,
                                std::chrono::duration<double, std::milli>(Clock::now() - t0).count(),
                                enforcer.container(id).map_entries);
                w.measure();
                auto before = program_stats();
                bound[n].add(w.measure());
                for (const auto& [name, after] : program_stats()) {
                    auto& d = kernel[n][name];
                    d.run_time_ns += after.run_time_ns - before[name].run_time_ns;
                    d.run_cnt += after.run_cnt - before[name].run_cnt;
                }
            }
        }
        auto s = enforcer.stats();
        if (s.unresolvable || s.inconsistent || s.scratch_busy)
            std::printf("kadapter-bench: WARNING: unresolvable %llu, inconsistent %llu, scratch busy %llu\n",
                        (unsigned long long)s.unresolvable, (unsigned long long)s.inconsistent,
                        (unsigned long long)s.scratch_busy);
    }

    std::printf("kadapter-bench: baseline again, programs gone (%d rounds)\n", kRounds);
    {
        Worker w(nullptr);
        for (int r = 0; r < kRounds; ++r)
            baseline.add(w.measure());
    }

    // The table: cost per operation, its ratio to the baseline and, for the
    // bound rows, to the same container with 1 rule per category.
    std::printf("\nkadapter-bench: cost per operation (best of %d rounds)%s, x baseline, (x the same container "
                "at 1 rule per category)\n\n",
                kRounds, absolute_times ? "" : " as ratios: absolute times under TCG are an emulated CPU's");
    const int width = absolute_times ? 33 : 16;
    std::printf("| %-22s |", "worker");
    for (int op = 0; op < OpCount; ++op)
        std::printf(" %-*s |", width, kOpNames[op]);
    std::printf("\n|%s|", std::string(24, '-').c_str());
    for (int op = 0; op < OpCount; ++op)
        std::printf("%s|", std::string(width + 2, '-').c_str());
    std::printf("\n");
    print_row("baseline, no programs", baseline, baseline, std::nullopt);
    print_row("unbound, programs on", unbound, baseline, std::nullopt);
    for (size_t n : kSizes) {
        std::string label = "bound, " + std::to_string(n) + " rules/category";
        print_row(label.c_str(), bound[n], baseline, &bound[kSizes.front()]);
    }

    std::printf("\nkadapter-bench: kernel statistics (%s, bound worker)\n",
                absolute_times ? "ns per program run" : "time per program run, x the same program at 1 rule");
    std::printf("| %-24s |", "program");
    for (size_t n : kSizes)
        std::printf(" %10zu rules |", n);
    std::printf("\n|%s|", std::string(26, '-').c_str());
    for (size_t i = 0; i < kSizes.size(); ++i)
        std::printf("%s|", std::string(18, '-').c_str());
    std::printf("\n");
    for (const auto& [name, stat] : kernel[kSizes.front()]) {
        if (stat.run_cnt == 0 || name == "kad_bpf") // kad_bpf: this benchmark's own statistics reads
            continue;
        std::printf("| %-24s |", name.c_str());
        for (size_t n : kSizes) {
            const auto& k = kernel[n][name];
            const double per_run = k.run_cnt ? double(k.run_time_ns) / double(k.run_cnt) : 0.0;
            if (absolute_times)
                std::printf(" %16.0f |", per_run);
            else
                std::printf(" %15.3fx |", per_run / (double(stat.run_time_ns) / double(stat.run_cnt)));
        }
        std::printf("\n");
    }

    // The bar: open and exec at 10000 rules within 10% of 1 rule.
    int status = 0;
    for (Op op : {Open, Exec}) {
        double ratio = bound[kSizes.back()].at(op) / bound[kSizes.front()].at(op);
        std::printf("kadapter-bench: %s at %zu rules / at 1 rule: %.3f (%s)\n", kOpNames[op], kSizes.back(), ratio,
                    ratio <= 1.10 ? "within 10%" : "OVER 10%");
        if (ratio > 1.10)
            status = 3;
    }
    return status;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--noop") == 0)
        return 0; // the exec the benchmark times
    kadapter_oneshot_begin();
    self_path = argv[0];
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--accel=kvm") == 0)
            absolute_times = true;
    int status = 1;
    try {
        status = run();
    } catch (const std::exception& e) {
        std::printf("kadapter-bench: %s\n", e.what());
    }
    kadapter_oneshot_end(status);
}
