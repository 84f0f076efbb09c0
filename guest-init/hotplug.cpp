#include "hotplug.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

namespace guest_init {
namespace fs = std::filesystem;

namespace {

// Each entry of `dir` named like `pattern` whose `file` reads `offline`:
// write `online` to it. Returns how many were brought up, at most `limit`.
unsigned online_entries(const char* dir, const std::regex& pattern, const char* file, const std::string& offline,
                        const std::string& online, unsigned limit)
{
    unsigned count = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (limit && count >= limit)
            break;
        if (!std::regex_match(e.path().filename().string(), pattern))
            continue;
        fs::path state = e.path() / file;
        std::string value;
        if (!(std::ifstream(state) >> value) || value != offline)
            continue;
        std::ofstream out(state);
        out << online;
        out.flush();
        if (out)
            ++count;
    }
    return count;
}

} // namespace

unsigned online_cpus(unsigned count, std::chrono::milliseconds timeout)
{
    static const std::regex cpu("cpu[0-9]+");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    unsigned done = 0;
    for (;;) {
        done += online_entries("/sys/devices/system/cpu", cpu, "online", "0", "1", count ? count - done : 0);
        if ((count && done >= count) || (!count) || std::chrono::steady_clock::now() >= deadline)
            return done;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

unsigned online_memory()
{
    static const std::regex block("memory[0-9]+");
    return online_entries("/sys/devices/system/memory", block, "state", "offline", "online", 0);
}

} // namespace guest_init
