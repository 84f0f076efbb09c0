// RemoveContainer against GetPolicy, UpdatePolicy, ListContainers and the
// event pump, on real threads, over the agent's real state (PodState and
// ContainerPolicy, as the services call them). What is not real: the
// engine (BPF-LSM cannot load on the host), a fake that keeps what the
// kernel would, and refuses a call on a binding that is gone, as the
// Enforcer does. Built with ThreadSanitizer in build-tsan (scripts/test.sh)
// and without it among the unit tests, where the checks still hold.
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "container_policy.hpp"
#include "kadapter/error.hpp"
#include "pod_state.hpp"
#include "ttrpc/status.hpp"

using namespace guest_init;
using kadapter::ContainerId;

namespace {

class FakeEngine final : public PolicyEngine {
public:
    ContainerId bind_cgroup(std::string_view, uint64_t, const kadapter::RuleSet& rules,
                            const kadapter::BindOptions&) override
    {
        std::lock_guard lock(mu_);
        ContainerId id = next_binding_++;
        bindings_[id] = new_ruleset(rules);
        return id;
    }
    void apply(ContainerId id, const kadapter::RuleSet& rules, const kadapter::BindOptions&) override
    {
        std::this_thread::yield(); // the real one takes a while: widen the window
        std::lock_guard lock(mu_);
        at(id) = new_ruleset(rules);
    }
    void unbind(ContainerId id) override
    {
        std::lock_guard lock(mu_);
        at(id);
        bindings_.erase(id);
    }
    void mark_external(ContainerId id, pid_t) override
    {
        std::lock_guard lock(mu_);
        at(id);
    }
    uint64_t ruleset_id(ContainerId id) const override
    {
        std::lock_guard lock(mu_);
        return const_cast<FakeEngine*>(this)->at(id);
    }

    // How many rules the rule set `ruleset_id` held when it was applied.
    size_t rules_of(uint64_t ruleset_id) const
    {
        std::lock_guard lock(mu_);
        auto it = rule_counts_.find(ruleset_id);
        return it == rule_counts_.end() ? SIZE_MAX : it->second;
    }
    size_t bound() const
    {
        std::lock_guard lock(mu_);
        return bindings_.size();
    }
    int stale_calls() const { return stale_calls_.load(); }

private:
    uint64_t& at(ContainerId id)
    {
        auto it = bindings_.find(id);
        if (it == bindings_.end()) {
            ++stale_calls_;
            throw kadapter::Error(kadapter::Errc::NotFound, "no container " + std::to_string(id));
        }
        return it->second;
    }
    uint64_t new_ruleset(const kadapter::RuleSet& rules)
    {
        rule_counts_[next_ruleset_] = rules.size();
        return next_ruleset_++;
    }

    mutable std::mutex mu_;
    ContainerId next_binding_ = 1;
    uint64_t next_ruleset_ = 1;
    std::map<ContainerId, uint64_t> bindings_; // -> the rule set in force
    std::map<uint64_t, size_t> rule_counts_;
    std::atomic<int> stale_calls_{0};
};

// Version n of a container's policy: n file rules, and a source saying n.
kadapter::RuleSet rules_of_version(int n)
{
    kadapter::RuleSet rs;
    for (int i = 0; i < n; ++i) {
        kadapter::PathRule r;
        r.path = "/v" + std::to_string(n) + "/" + std::to_string(i);
        rs.file.push_back(r);
    }
    return rs;
}
std::string source_of_version(int n)
{
    return "version " + std::to_string(n);
}

// What the worker threads saw that they should not have; Catch2 checks it
// on the main thread once they are joined.
class Problems {
public:
    void add(std::string what)
    {
        std::lock_guard lock(mu_);
        if (list_.size() < 20)
            list_.push_back(std::move(what));
    }
    std::vector<std::string> list() const
    {
        std::lock_guard lock(mu_);
        return list_;
    }

private:
    mutable std::mutex mu_;
    std::vector<std::string> list_;
};

// Runs `fn` until `stop`; what it throws is a problem, not a crash.
template <typename Fn> void until_stopped(const std::atomic<bool>& stop, const char* what, Problems& problems, Fn fn)
{
    while (!stop)
        try {
            fn();
        } catch (const std::exception& e) {
            problems.add(std::string(what) + ": " + e.what());
        }
}

// A snapshot is one policy, never parts of two: the rules match the source,
// and the rule set id in force holds as many rules.
void check_snapshot(const ContainerPolicy::Snapshot& s, const FakeEngine& engine, Problems& problems)
{
    const int n = static_cast<int>(s.rules.size());
    if (s.source != source_of_version(n) || !s.rules.file.back().path.starts_with("/v" + std::to_string(n) + "/"))
        problems.add("GetPolicy: " + std::to_string(n) + " rules with the source '" + s.source + "'");
    if (s.bound != (s.ruleset_id != 0))
        problems.add("GetPolicy: bound " + std::to_string(s.bound) + " with rule set " + std::to_string(s.ruleset_id));
    if (s.bound && engine.rules_of(s.ruleset_id) != s.rules.size())
        problems.add("GetPolicy: rule set " + std::to_string(s.ruleset_id) + " is not the rules reported");
}

ContainerMeta meta_of(const std::string& id)
{
    ContainerMeta m;
    m.container_id = id;
    m.container_name = "name-" + id;
    return m;
}

std::shared_ptr<ContainerEntry> add_container(PodState& pod, FakeEngine& engine, const std::string& id,
                                              uint64_t cgroup_id)
{
    std::map<std::string, std::string> annotations;
    auto reservation = pod.reserve(id, annotations);
    auto entry = std::make_shared<ContainerEntry>(
        meta_of(id), false, std::make_shared<ContainerPolicy>(&engine, id, rules_of_version(1), source_of_version(1)));
    entry->policy->bind(cgroup_id, "/rootfs"); // what Container::create's bind hook does
    reservation.publish(entry);
    return entry;
}

} // namespace

TEST_CASE("RemoveContainer races GetPolicy, UpdatePolicy, ListContainers and the event pump")
{
    constexpr int kRounds = 150;
    std::mt19937 random(16);
    for (int round = 0; round < kRounds; ++round) {
        FakeEngine engine;
        PodState pod;
        Problems problems;
        auto entry = add_container(pod, engine, "c", 100 + round);
        const ContainerId binding = 1; // the fake's first
        REQUIRE(entry->policy->bound_as(binding));

        std::atomic<bool> removed{false}, stop{false};
        std::atomic<int> next_version{2}, applied{0}, refused{0};
        std::latch start(6);
        std::vector<std::thread> threads;
        const auto delay = std::chrono::microseconds(random() % 300);

        // RemoveContainer: Container::destroy unbinds through the hook,
        // then the entry leaves the table.
        threads.emplace_back([&] {
            start.arrive_and_wait();
            while (applied == 0) // among the updates, not before them
                std::this_thread::yield();
            std::this_thread::sleep_for(delay);
            try {
                entry->policy->unbind();
            } catch (const std::exception& e) {
                problems.add(std::string("unbind: ") + e.what());
            }
            pod.erase("c");
            removed = true;
        });
        for (int u = 0; u < 2; ++u)
            threads.emplace_back([&] { // UpdatePolicy
                start.arrive_and_wait();
                while (!stop) {
                    const bool was_removed = removed;
                    int n = next_version++ % 40 + 1;
                    try {
                        auto e = pod.find("c");
                        uint64_t id = e->policy->update(rules_of_version(n), source_of_version(n), 1);
                        if (was_removed)
                            problems.add("UpdatePolicy succeeded after the container was removed");
                        if (engine.rules_of(id) != static_cast<size_t>(n))
                            problems.add("UpdatePolicy: rule set " + std::to_string(id) + " is not version " +
                                         std::to_string(n));
                        ++applied;
                    } catch (const ttrpc::RpcError& e) {
                        if (e.code() != ttrpc::Code::FailedPrecondition && e.code() != ttrpc::Code::NotFound)
                            problems.add(std::string("UpdatePolicy: ") + e.what());
                        ++refused;
                    } catch (const std::exception& e) {
                        problems.add(std::string("UpdatePolicy: ") + e.what()); // e.g. the engine's NotFound
                    }
                }
            });
        threads.emplace_back([&] { // GetPolicy, on an entry it holds past its removal
            start.arrive_and_wait();
            until_stopped(stop, "GetPolicy", problems,
                          [&] { check_snapshot(entry->policy->snapshot(), engine, problems); });
        });
        threads.emplace_back([&] { // ListContainers
            start.arrive_and_wait();
            until_stopped(stop, "ListContainers", problems, [&] {
                for (const auto& [id, e] : pod.containers()) {
                    auto s = e->policy->summary();
                    if (s.bound && engine.rules_of(s.ruleset_id) != s.rules)
                        problems.add("ListContainers: rule set " + std::to_string(s.ruleset_id) + " does not hold " +
                                     std::to_string(s.rules) + " rules");
                }
            });
        });
        threads.emplace_back([&] { // the event pump
            start.arrive_and_wait();
            until_stopped(stop, "event pump", problems, [&] {
                const bool was_removed = removed;
                auto e = pod.bound_as(binding);
                if (e && e->meta.container_id != "c")
                    problems.add("event pump: an event of c went to " + e->meta.container_id);
                if (e && was_removed)
                    problems.add("event pump: the binding outlived RemoveContainer");
            });
        });

        threads.front().join();
        // The readers go on after the removal, until an update is refused.
        for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
             refused == 0 && std::chrono::steady_clock::now() < until;)
            std::this_thread::yield();
        stop = true;
        for (size_t i = 1; i < threads.size(); ++i)
            threads[i].join();

        INFO("round " << round);
        CHECK(problems.list() == std::vector<std::string>{});
        CHECK(engine.stale_calls() == 0); // nothing used the binding after it was unbound
        CHECK(engine.bound() == 0);
        CHECK_FALSE(entry->policy->snapshot().bound);
        CHECK_FALSE(entry->policy->bound_as(binding));
        CHECK(pod.containers().empty());
        CHECK(applied > 0);
        CHECK(refused > 0);
    }
}

TEST_CASE("containers come and go while the RPCs list, find and remove them")
{
    FakeEngine engine;
    PodState pod;
    Problems problems;
    std::atomic<bool> stop{false};
    std::atomic<int> created{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w)
        threads.emplace_back([&, w] { // CreateContainer then RemoveContainer
            for (int i = 0; i < 300; ++i) {
                std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
                auto e = add_container(pod, engine, id, 1000 * (w + 1) + i);
                ++created;
                e->policy->unbind();
                pod.erase(id);
            }
        });
    threads.emplace_back([&] { // ListContainers and GetPolicy
        until_stopped(stop, "ListContainers", problems, [&] {
            for (const auto& [id, e] : pod.containers()) {
                if (e->meta.container_id != id)
                    problems.add("listed " + id + " as " + e->meta.container_id);
                check_snapshot(e->policy->snapshot(), engine, problems);
                e->policy->summary();
            }
        });
    });
    threads.emplace_back([&] { // reserved or gone: NotFound, never a half-made entry
        until_stopped(stop, "GetPolicy", problems, [&] {
            try {
                pod.find("w0-" + std::to_string(created % 300))->policy->summary();
            } catch (const ttrpc::RpcError& e) {
                if (e.code() != ttrpc::Code::NotFound)
                    throw;
            }
        });
    });
    threads[0].join();
    threads[1].join();
    stop = true;
    threads[2].join();
    threads[3].join();
    CHECK(problems.list() == std::vector<std::string>{});
    CHECK(created == 600);
    CHECK(engine.stale_calls() == 0);
    CHECK(engine.bound() == 0);
    CHECK(pod.containers().empty());
}

TEST_CASE("an OOM kill is reported once, however many GetOOMEvent calls wait")
{
    ContainerEntry entry(meta_of("c"), false, std::make_shared<ContainerPolicy>(nullptr, "c", kadapter::RuleSet{}, ""));
    for (uint64_t kills : {1, 2, 5}) {
        std::atomic<int> reports{0};
        std::latch start(4);
        std::vector<std::thread> waiters;
        for (int i = 0; i < 4; ++i)
            waiters.emplace_back([&] {
                start.arrive_and_wait();
                reports += entry.report_oom_kills(kills);
                reports += entry.report_oom_kills(kills - 1); // an older count is never news
            });
        for (auto& t : waiters)
            t.join();
        CHECK(reports == 1);
    }
}
