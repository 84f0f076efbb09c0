// The guest suite: one booted guest, many cases. A failing case prints the
// guest's console log.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <iostream>

#include "guest_suite.hpp"

namespace {

struct ConsoleOnFailure : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseEnded(const Catch::TestCaseStats& stats) override
    {
        if (stats.totals.assertions.failed > 0)
            std::cerr << "\n===== guest console (tail) after failing case '" << stats.testInfo.name << "' =====\n"
                      << kadapter::testing::console_tail() << "\n===== end of console =====\n";
    }
};

} // namespace

CATCH_REGISTER_LISTENER(ConsoleOnFailure)
