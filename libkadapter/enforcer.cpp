#include "kadapter/enforcer.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "bpf_object.hpp"
#include "event_decode.hpp"
#include "kadapter/error.hpp"
#include "kadapter/unique_fd.hpp"
#include "path_resolver.hpp"
#include "rule_map.hpp"

namespace kadapter {
namespace {

// libbpf reports through one global print callback; while loading, keep
// its warnings (the verifier log among them) to explain a failure.
thread_local std::string* libbpf_log = nullptr;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args)
{
    if (level == LIBBPF_DEBUG || !libbpf_log)
        return 0;
    // The verifier log arrives as one long message: keep all of it.
    char* msg = nullptr;
    int n = vasprintf(&msg, fmt, args);
    if (n > 0)
        libbpf_log->append(msg, static_cast<size_t>(n));
    free(msg);
    return 0;
}

std::string tail(const std::string& s, size_t n)
{
    return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Each start-up prerequisite of BPF-LSM enforcement, checked in turn so the
// console names the first one missing instead of a loader error.
void require_bpf_lsm()
{
    std::string lsm = read_file("/sys/kernel/security/lsm");
    if (lsm.empty())
        throw Error(Errc::Unsupported, "BPF-LSM prerequisite missing: cannot read /sys/kernel/security/lsm "
                                       "(the kernel needs CONFIG_SECURITY=y and CONFIG_SECURITYFS=y)");
    lsm = lsm.substr(0, lsm.find('\n'));
    std::stringstream ss(lsm);
    for (std::string name; std::getline(ss, name, ',');)
        if (name == "bpf")
            return;
    throw Error(Errc::Unsupported, "BPF-LSM prerequisite missing: the BPF LSM is not in the active LSM list (" + lsm +
                                       " in /sys/kernel/security/lsm); boot with \"bpf\" in lsm= "
                                       "(Kata: kernel_params) on a kernel with CONFIG_BPF_LSM=y");
}

void require_vmlinux_btf()
{
    struct stat st {};
    if (stat("/sys/kernel/btf/vmlinux", &st) != 0)
        throw Error(Errc::Unsupported, "BPF-LSM prerequisite missing: no kernel BTF at /sys/kernel/btf/vmlinux "
                                       "(the kernel needs CONFIG_DEBUG_INFO_BTF=y)");
}

uint64_t stat_ino(const std::string& path)
{
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        throw_errno(errno, "stat " + path);
    return st.st_ino;
}

std::string cgroup_path_of(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    if (!in)
        throw Error(Errc::NotFound, "no process " + std::to_string(pid));
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("0::"))
            return line.substr(3);
    throw Error(Errc::Unsupported, "process " + std::to_string(pid) + " is not in a cgroup v2 hierarchy");
}

// Entries in a map, counted from user space.
template <typename Key> uint64_t count_entries(int fd)
{
    uint64_t n = 0;
    Key key{}, next{};
    Key* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        ++n;
        key = next;
        prev = &key;
    }
    return n;
}

uint64_t realtime_offset_ns()
{
    timespec rt{}, mono{};
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    return (rt.tv_sec - mono.tv_sec) * 1000000000ull + (rt.tv_nsec - mono.tv_nsec);
}

} // namespace

uint64_t cgroup_id_of(const std::string& cgroup_dir)
{
    return stat_ino(cgroup_dir);
}

// Nested in an exported class, but internal: kept out of libkadapter.so's
// exports.
struct __attribute__((visibility("hidden"))) Enforcer::Impl {
    struct Container {
        ContainerInfo info;
        kad_binding_key key{};
        BindOptions options;
    };
    // What an event needs to name its container and rule, kept a little
    // longer than the rule set itself for events still in the ring buffer.
    struct RulesetMeta {
        ContainerId container = 0;
        std::string name;
        std::vector<RuleOrigin> origins;
    };

    EnforcerOptions options;
    Skeleton skel;
    HashKey hash_key{};
    RingBuffer ring;
    EventHandler handler;
    uint64_t realtime_offset = 0;

    mutable std::mutex mu;
    ContainerId next_container = 1;
    uint64_t next_ruleset = 1;
    std::map<ContainerId, Container> containers;
    std::map<uint64_t, std::shared_ptr<const RulesetMeta>> rulesets;
    std::deque<uint64_t> retired_rulesets;
    std::set<uint64_t> published_automata; // rule set ids with automata in the kernel

    void load();
    UniqueFd publish(const CompiledRuleMap& compiled);
    void publish_automata(uint64_t ruleset_id, const std::vector<kad_dfa>& automata);
    void drop_automata(uint64_t ruleset_id);
    uint64_t compile_and_publish(Container& c, const RuleSet& rules, UniqueFd& map_fd, CompiledRuleMap& compiled);
    ContainerId bind(std::string_view name, BindingKind kind, uint64_t id, const RuleSet& rules,
                     const BindOptions& options);
    void retire(uint64_t ruleset_id);
#ifdef KADAPTER_HOOK_MUTATION
    void leave_hook_unattached();
#endif
    static int on_ring_event(void* ctx, void* data, size_t size);
};

#ifdef KADAPTER_HOOK_MUTATION
// Mutation testing only (-DKADAPTER_HOOK_MUTATION=ON, tests/mutation/):
// leaves the hook named by KADAPTER_MUTATE_HOOK (e.g. "file_open") loaded
// but unattached, to show that some test notices its absence. Never built
// into a release: an environment variable must not switch a hook off.
void Enforcer::Impl::leave_hook_unattached()
{
    const char* hook = ::getenv("KADAPTER_MUTATE_HOOK");
    if (!hook || !*hook)
        return;
    bpf_program* prog = nullptr;
    bool found = false;
    bpf_object__for_each_program(prog, skel->obj)
    {
        if (std::string(bpf_program__section_name(prog)) == std::string("lsm/") + hook) {
            bpf_program__set_autoattach(prog, false);
            found = true;
        }
    }
    if (!found)
        throw Error(Errc::InvalidArgument, std::string("KADAPTER_MUTATE_HOOK: no program for lsm/") + hook);
    fprintf(stderr, "kadapter: MUTATION TESTING: lsm/%s left unattached\n", hook);
}
#endif

void Enforcer::Impl::load()
{
    static std::once_flag print_once;
    std::call_once(print_once, [] { libbpf_set_print(libbpf_print); });

    require_bpf_lsm();
    require_vmlinux_btf();

    std::string log;
    libbpf_log = &log;
    struct ClearLog {
        ~ClearLog() { libbpf_log = nullptr; }
    } clear_log;

    skel.reset(kadapter_bpf__open());
    if (!skel)
        throw_errno(errno, "opening the BPF object");

    if (getrandom(hash_key.data(), sizeof(hash_key), 0) != sizeof(hash_key))
        throw_errno(errno, "getrandom for the rule hash key");
    skel->rodata->kad_hash_key[0] = hash_key[0];
    skel->rodata->kad_hash_key[1] = hash_key[1];
    skel->rodata->kad_max_alerts_per_sec = options.max_alerts_per_sec;
    skel->rodata->kad_throttle_sec = options.throttle_sec;

    if (int err = kadapter_bpf__load(skel.get()))
        throw Error(Errc::Unsupported,
                    "BPF-LSM prerequisite failed: loading the BPF programs failed (" + std::string(strerror(-err)) +
                        "):\n" + tail(log, 6000),
                    -err);
#ifdef KADAPTER_HOOK_MUTATION
    leave_hook_unattached();
#endif
    if (int err = kadapter_bpf__attach(skel.get()))
        throw Error(Errc::Unsupported,
                    "BPF-LSM prerequisite failed: attaching the BPF-LSM programs failed (" +
                        std::string(strerror(-err)) + "):\n" + tail(log, 3000),
                    -err);

    ring.reset(ring_buffer__new(bpf_map__fd(skel->maps.kad_events), on_ring_event, this, nullptr));
    if (!ring)
        throw_errno(errno, "creating the event ring buffer");
    realtime_offset = realtime_offset_ns();
}

// Creates a rule map sized to the rule set, fills it and returns its fd.
// Nothing is visible to the programs until the caller swaps it in.
UniqueFd Enforcer::Impl::publish(const CompiledRuleMap& compiled)
{
    // Preallocated, exactly as large as the rule set (see kad_rule_map).
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "kad_rules", sizeof(kad_rule_key), sizeof(kad_rule_value),
                            static_cast<uint32_t>(compiled.entries.size()), nullptr);
    if (fd < 0)
        throw Error(Errc::ResourceExhausted,
                    "creating a rule map of " + std::to_string(compiled.entries.size()) +
                        " entries failed: " + strerror(errno),
                    errno);
    UniqueFd map(fd);
    for (const auto& e : compiled.entries)
        if (bpf_map_update_elem(map.get(), &e.key, &e.value, BPF_NOEXIST) != 0)
            throw Error(Errc::ResourceExhausted, std::string("filling the rule map failed: ") + strerror(errno), errno);
    return map;
}

// matchPatterns automata go in before the rule set that uses them, under
// its id, so a program never sees that rule set without them.
void Enforcer::Impl::publish_automata(uint64_t ruleset_id, const std::vector<kad_dfa>& automata)
{
    if (automata.empty())
        return;
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "kad_dfa", sizeof(uint32_t), sizeof(kad_dfa), KAD_DFA_COUNT, nullptr);
    if (fd < 0)
        throw Error(Errc::ResourceExhausted, std::string("creating a pattern automaton map failed: ") + strerror(errno),
                    errno);
    UniqueFd map(fd); // the outer map keeps its own reference
    for (uint32_t i = 0; i < automata.size(); ++i)
        if (bpf_map_update_elem(map.get(), &i, &automata[i], BPF_ANY) != 0)
            throw_errno(errno, "filling a pattern automaton");
    int inner = map.get();
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.kad_automata), &ruleset_id, &inner, BPF_NOEXIST) != 0)
        throw Error(errno == E2BIG ? Errc::ResourceExhausted : Errc::System,
                    std::string("publishing a pattern automaton failed: ") + strerror(errno), errno);
    published_automata.insert(ruleset_id);
}

// After the rule set is gone (or never went in). A program still running
// on it re-reads its binding; the kernel frees the map after that program.
void Enforcer::Impl::drop_automata(uint64_t ruleset_id)
{
    // Only when there is one: every change of a map of maps waits for an
    // RCU grace period in the kernel.
    if (published_automata.erase(ruleset_id))
        bpf_map_delete_elem(bpf_map__fd(skel->maps.kad_automata), &ruleset_id);
}

uint64_t Enforcer::Impl::compile_and_publish(Container& c, const RuleSet& rules, UniqueFd& map_fd,
                                             CompiledRuleMap& compiled)
{
    uint64_t ruleset_id = next_ruleset;
    PathResolver resolver;
    if (!c.options.root.empty())
        resolver = make_root_resolver(c.options.root);
    compiled = compile_rule_map(rules, hash_key, ruleset_id, c.info.id, resolver);
    map_fd = publish(compiled);
    ++next_ruleset; // never reused, even when this one fails below
    publish_automata(ruleset_id, compiled.automata);

    auto meta = std::make_shared<RulesetMeta>();
    meta->container = c.info.id;
    meta->name = c.info.name;
    meta->origins = rules.origins;
    rulesets[ruleset_id] = std::move(meta);
    return ruleset_id;
}

void Enforcer::Impl::retire(uint64_t ruleset_id)
{
    drop_automata(ruleset_id);
    // Events of a replaced rule set may still sit in the ring buffer: keep
    // the last few rule sets' metadata around to name them.
    retired_rulesets.push_back(ruleset_id);
    while (retired_rulesets.size() > 64) {
        rulesets.erase(retired_rulesets.front());
        retired_rulesets.pop_front();
    }
}

ContainerId Enforcer::Impl::bind(std::string_view name, BindingKind kind, uint64_t id, const RuleSet& rules,
                                 const BindOptions& opts)
{
    std::lock_guard lock(mu);
    kad_binding_key key{};
    key.id = id;
    key.kind = kind == BindingKind::Cgroup ? KAD_BIND_CGROUP : KAD_BIND_PIDNS;
    for (const auto& [cid, c] : containers)
        if (c.key.id == key.id && c.key.kind == key.kind)
            throw Error(Errc::AlreadyExists, "that " +
                                                 std::string(kind == BindingKind::Cgroup ? "cgroup" : "pid namespace") +
                                                 " is already bound to container '" + c.info.name + "'");

    Container c;
    c.info.id = next_container;
    c.info.name = std::string(name);
    c.info.kind = kind;
    c.info.key = id;
    c.key = key;
    c.options = opts;

    // Once published, the outer map holds the only reference to the rule
    // map: map_fd closes here, so 1,024 containers do not cost 1,024 fds.
    UniqueFd map_fd;
    CompiledRuleMap compiled;
    uint64_t ruleset_id = compile_and_publish(c, rules, map_fd, compiled);
    int inner = map_fd.get();
    if (bpf_map_update_elem(bpf_map__fd(skel->maps.kad_rulesets), &key, &inner, BPF_NOEXIST) != 0) {
        int err = errno;
        rulesets.erase(ruleset_id);
        drop_automata(ruleset_id);
        throw Error(err == E2BIG ? Errc::ResourceExhausted : Errc::System,
                    std::string("binding container '") + c.info.name + "' failed: " + strerror(err), err);
    }
    if (kind == BindingKind::PidNamespace)
        __atomic_add_fetch(&skel->bss->kad_pidns_bindings, 1, __ATOMIC_SEQ_CST);
    c.info.ruleset_id = ruleset_id;
    c.info.map_entries = compiled.entries.size();
    ++next_container;
    ContainerId cid = c.info.id;
    containers.emplace(cid, std::move(c));
    return cid;
}

int Enforcer::Impl::on_ring_event(void* ctx, void* data, size_t size)
{
    auto* self = static_cast<Impl*>(ctx);
    if (size < offsetof(kad_event, resource))
        return 0;
    const auto* raw = static_cast<const kad_event*>(data);
    Event e = decode_event(*raw, size);
    e.timestamp_ns = raw->timestamp_ns + self->realtime_offset;
    EventHandler handler;
    {
        std::lock_guard lock(self->mu);
        handler = self->handler;
        auto it = self->rulesets.find(raw->ruleset_id);
        if (it != self->rulesets.end()) {
            e.container = it->second->name;
            if (e.reason == Reason::Rule && raw->rule < it->second->origins.size())
                e.rule = it->second->origins[raw->rule];
        }
    }
    if (handler)
        handler(e);
    return 0;
}

Enforcer::Enforcer(const EnforcerOptions& options) : impl_(std::make_unique<Impl>())
{
    impl_->options = options;
    impl_->load();
}

Enforcer::~Enforcer() = default;
Enforcer::Enforcer(Enforcer&&) noexcept = default;
Enforcer& Enforcer::operator=(Enforcer&&) noexcept = default;

ContainerId Enforcer::bind_cgroup(std::string_view name, uint64_t cgroup_id, const RuleSet& rules,
                                  const BindOptions& options)
{
    if (cgroup_id == 0)
        throw Error(Errc::InvalidArgument, "cgroup id 0 is not a cgroup");
    return impl_->bind(name, BindingKind::Cgroup, cgroup_id, rules, options);
}

ContainerId Enforcer::bind_pid(std::string_view name, pid_t pid, const RuleSet& rules, const BindOptions& options)
{
    if (pid <= 0)
        throw Error(Errc::InvalidArgument, "pid " + std::to_string(pid) + " is not a process");
    BindOptions opts = options;
    if (opts.root.empty())
        opts.root = "/proc/" + std::to_string(pid) + "/root";

    const std::string cgroup = cgroup_path_of(pid);
    if (cgroup != "/" && cgroup != cgroup_path_of(getpid()))
        return impl_->bind(name, BindingKind::Cgroup, cgroup_id_of("/sys/fs/cgroup" + cgroup), rules, opts);

    // The cgroup is shared with us: fall back to the pid namespace.
    uint64_t pidns = stat_ino("/proc/" + std::to_string(pid) + "/ns/pid");
    if (pidns == stat_ino("/proc/self/ns/pid"))
        throw Error(Errc::InvalidArgument, "process " + std::to_string(pid) +
                                               " shares both the cgroup and the pid namespace of this agent; "
                                               "it cannot be bound without binding the agent itself");
    return impl_->bind(name, BindingKind::PidNamespace, pidns, rules, opts);
}

void Enforcer::apply(ContainerId id, const RuleSet& rules)
{
    apply(id, rules, std::nullopt);
}

void Enforcer::apply(ContainerId id, const RuleSet& rules, const BindOptions& options)
{
    apply(id, rules, std::optional<BindOptions>(options));
}

void Enforcer::apply(ContainerId id, const RuleSet& rules, const std::optional<BindOptions>& options)
{
    std::lock_guard lock(impl_->mu);
    auto it = impl_->containers.find(id);
    if (it == impl_->containers.end())
        throw Error(Errc::NotFound, "no container " + std::to_string(id));
    auto& c = it->second;
    BindOptions previous = c.options;
    if (options)
        c.options = *options;
    struct Restore {
        Impl::Container& c;
        BindOptions previous;
        bool done = false;
        ~Restore()
        {
            if (!done)
                c.options = previous; // a failed apply changes nothing
        }
    } restore{c, previous};

    UniqueFd map_fd;
    CompiledRuleMap compiled;
    uint64_t ruleset_id = impl_->compile_and_publish(c, rules, map_fd, compiled);
    int inner = map_fd.get();
    // The swap: one update of the outer map replaces the whole rule set.
    if (bpf_map_update_elem(bpf_map__fd(impl_->skel->maps.kad_rulesets), &c.key, &inner, BPF_EXIST) != 0) {
        int err = errno;
        impl_->rulesets.erase(ruleset_id);
        impl_->drop_automata(ruleset_id);
        throw_errno(err, "swapping the rule set of container '" + c.info.name + "'");
    }
    impl_->retire(c.info.ruleset_id);
    c.info.ruleset_id = ruleset_id;
    c.info.map_entries = compiled.entries.size();
    restore.done = true;
}

void Enforcer::unbind(ContainerId id)
{
    std::lock_guard lock(impl_->mu);
    auto it = impl_->containers.find(id);
    if (it == impl_->containers.end())
        throw Error(Errc::NotFound, "no container " + std::to_string(id));
    auto& c = it->second;
    if (bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.kad_rulesets), &c.key) != 0 && errno != ENOENT)
        throw_errno(errno, "unbinding container '" + c.info.name + "'");
    uint64_t container = c.info.id;
    bpf_map_delete_elem(bpf_map__fd(impl_->skel->maps.kad_alert_budgets), &container);
    if (c.info.kind == BindingKind::PidNamespace)
        __atomic_sub_fetch(&impl_->skel->bss->kad_pidns_bindings, 1, __ATOMIC_SEQ_CST);
    impl_->retire(c.info.ruleset_id);
    impl_->containers.erase(it);
}

void Enforcer::mark_external(ContainerId id, pid_t pid)
{
    if (pid <= 0)
        throw Error(Errc::InvalidArgument, "pid " + std::to_string(pid) + " is not a process");
    std::lock_guard lock(impl_->mu);
    auto it = impl_->containers.find(id);
    if (it == impl_->containers.end())
        throw Error(Errc::NotFound, "no container " + std::to_string(id));
    // Task storage is keyed by a pidfd from user space.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd)
        throw_errno(errno, "opening a pidfd for process " + std::to_string(pid));
    int tags = bpf_map__fd(impl_->skel->maps.kad_task_tags);
    kad_task_tag tag{};
    int fd = pidfd.get();
    if (bpf_map_lookup_elem(tags, &fd, &tag) != 0 || std::memcmp(&tag.binding, &it->second.key, sizeof(tag.binding)))
        tag = kad_task_tag{.binding = it->second.key};
    tag.flags |= KAD_TASK_EXTERNAL;
    if (bpf_map_update_elem(tags, &fd, &tag, BPF_ANY) != 0)
        throw_errno(errno, "marking process " + std::to_string(pid) + " of container '" + it->second.info.name +
                               "' as started from outside");
}

std::vector<ContainerInfo> Enforcer::containers() const
{
    std::lock_guard lock(impl_->mu);
    std::vector<ContainerInfo> out;
    for (const auto& [id, c] : impl_->containers)
        out.push_back(c.info);
    return out;
}

ContainerInfo Enforcer::container(ContainerId id) const
{
    std::lock_guard lock(impl_->mu);
    auto it = impl_->containers.find(id);
    if (it == impl_->containers.end())
        throw Error(Errc::NotFound, "no container " + std::to_string(id));
    return it->second.info;
}

void Enforcer::set_event_handler(EventHandler handler)
{
    std::lock_guard lock(impl_->mu);
    impl_->handler = std::move(handler);
}

int Enforcer::event_fd() const
{
    return ring_buffer__epoll_fd(impl_->ring.get());
}

int Enforcer::poll_events(int timeout_ms)
{
    int n = ring_buffer__poll(impl_->ring.get(), timeout_ms);
    if (n < 0 && n != -EINTR)
        throw_errno(-n, "polling the event ring buffer");
    return n < 0 ? 0 : n;
}

int Enforcer::consume_events()
{
    int n = ring_buffer__consume(impl_->ring.get());
    if (n < 0)
        throw_errno(-n, "reading the event ring buffer");
    return n;
}

EnforcerStats Enforcer::stats() const
{
    EnforcerStats s;
    const auto& c = impl_->skel->bss->kad_counters;
    s.events_dropped = __atomic_load_n(&c.events_dropped, __ATOMIC_RELAXED);
    s.events_throttled = __atomic_load_n(&c.events_throttled, __ATOMIC_RELAXED);
    s.unresolvable = __atomic_load_n(&c.unresolvable, __ATOMIC_RELAXED);
    s.inconsistent = __atomic_load_n(&c.inconsistent, __ATOMIC_RELAXED);
    s.scratch_busy = __atomic_load_n(&c.scratch_busy, __ATOMIC_RELAXED);
    s.kernel_bindings = count_entries<kad_binding_key>(bpf_map__fd(impl_->skel->maps.kad_rulesets));
    s.kernel_alert_budgets = count_entries<uint64_t>(bpf_map__fd(impl_->skel->maps.kad_alert_budgets));
    s.kernel_automata = count_entries<uint64_t>(bpf_map__fd(impl_->skel->maps.kad_automata));
    const bpf_object_skeleton* skeleton = impl_->skel->skeleton;
    for (int i = 0; i < skeleton->prog_cnt; ++i) {
        const char* sec = bpf_program__section_name(*skeleton->progs[i].prog);
        if (*skeleton->progs[i].link && sec && std::strncmp(sec, "lsm/", 4) == 0)
            s.hooks.emplace_back(sec + 4); // attached
    }
    return s;
}

} // namespace kadapter
