// The version macros (kadapter/version.h) and the library's own version.
#include <catch2/catch.hpp>

#include <string>

#include "kadapter/version.h"

TEST_CASE("the version macros and kadapter_version() agree")
{
    CHECK(std::string(kadapter_version()) == KADAPTER_VERSION_STRING);
    CHECK(std::string(kadapter::version()) == KADAPTER_VERSION_STRING);
    CHECK(std::string(KADAPTER_VERSION_STRING) == std::to_string(KADAPTER_VERSION_MAJOR) + "." +
                                                      std::to_string(KADAPTER_VERSION_MINOR) + "." +
                                                      std::to_string(KADAPTER_VERSION_PATCH));
    CHECK(KADAPTER_VERSION_NUMBER >= KADAPTER_VERSION_ENCODE(0, 1, 0));
}
