// The C API's view of events: struct kadapter_event and
// kadapter_event_render_kubearmor(), driven by the library's own delivery
// (c_event.hpp), so no kernel is needed.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>

#include "alert_fixtures.hpp"
#include "c_event.hpp"
#include "kadapter/kadapter.h"

using namespace kadapter::testing;

namespace {

// What a C handler saw and rendered.
struct Rendered {
    size_t event_size = 0;
    kadapter_status status = KADAPTER_ERR_INTERNAL;
    std::string alert;
    std::string error;
    const kadapter_event* event = nullptr;
};

// Delivers `e` to a C handler that renders it with `meta` (nullptr: none).
Rendered render_in_handler(const kadapter::Event& e, const kadapter_container_meta* meta)
{
    struct Context {
        const kadapter_container_meta* meta;
        Rendered out;
    } ctx{meta, {}};
    kadapter::c_api::deliver(
        [](const kadapter_event* event, void* user) {
            auto* c = static_cast<Context*>(user);
            char* alert = nullptr;
            c->out.event_size = event->size;
            c->out.event = event;
            c->out.status = kadapter_event_render_kubearmor(event, c->meta, &alert);
            if (alert)
                c->out.alert = alert;
            else
                c->out.error = kadapter_last_error();
            std::free(alert);
        },
        &ctx, e);
    return ctx.out;
}

} // namespace

TEST_CASE("the C API renders the same bytes as the C++ API, from the handler")
{
    kadapter_container_meta meta{};
    meta.size = sizeof(meta);
    meta.host_name = "guest";
    meta.namespace_name = "shop";
    meta.pod_name = "web-0";
    meta.labels = "app=web,tier=front";
    meta.container_id = "0123abcd";
    meta.container_name = "nginx";
    meta.container_image = "nginx:1.25";
    Rendered r = render_in_handler(blocked_open(), &meta);
    CHECK(r.event_size == sizeof(kadapter_event));
    REQUIRE(r.status == KADAPTER_OK);
    CHECK(r.alert == kBlockedOpenAlert);

    // No metadata: every container field is "".
    Rendered bare = render_in_handler(blocked_open(), nullptr);
    REQUIRE(bare.status == KADAPTER_OK);
    CHECK(bare.alert == kadapter::kubearmor_alert(blocked_open(), {}, ""));
}

TEST_CASE("the C renderer refuses an event that is not being delivered")
{
    Rendered r = render_in_handler(blocked_open(), nullptr);
    REQUIRE(r.event != nullptr);
    // The pointer the handler had, after the handler: its strings are gone.
    char* alert = reinterpret_cast<char*>(1);
    CHECK(kadapter_event_render_kubearmor(r.event, nullptr, &alert) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(alert == nullptr);
    CHECK(std::string(kadapter_last_error()).find("not being delivered") != std::string::npos);

    // An event the caller made up.
    kadapter_event made_up{};
    made_up.size = sizeof(made_up);
    CHECK(kadapter_event_render_kubearmor(&made_up, nullptr, &alert) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(kadapter_event_render_kubearmor(nullptr, nullptr, &alert) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(std::string(kadapter_last_error()) == "kadapter_event_render_kubearmor: event is NULL");
    CHECK(kadapter_event_render_kubearmor(&made_up, nullptr, nullptr) == KADAPTER_ERR_INVALID_ARGUMENT);
}

TEST_CASE("the C renderer honours the metadata struct's size")
{
    SECTION("unset")
    {
        kadapter_container_meta meta{};
        Rendered r = render_in_handler(blocked_open(), &meta);
        CHECK(r.status == KADAPTER_ERR_INVALID_ARGUMENT);
        CHECK(r.error ==
              "kadapter_event_render_kubearmor: meta->size is 0: set it to sizeof(struct kadapter_container_meta)");
    }
    SECTION("larger than any struct: refused before anything past the struct is read")
    {
        kadapter_container_meta meta{};
        meta.size = size_t(1) << 40;
        Rendered r = render_in_handler(blocked_open(), &meta);
        CHECK(r.status == KADAPTER_ERR_INVALID_ARGUMENT);
        CHECK(r.error.find("meta->size is 1099511627776: more than any struct kadapter_container_meta can be") !=
              std::string::npos);
    }
    SECTION("older: the struct ended after pod_name")
    {
        kadapter_container_meta meta{};
        meta.size = offsetof(kadapter_container_meta, labels);
        meta.host_name = "guest";
        meta.pod_name = "web-0";
        meta.labels = "not read";
        meta.container_name = "not read";
        Rendered r = render_in_handler(blocked_open(), &meta);
        REQUIRE(r.status == KADAPTER_OK);
        CHECK(r.alert.find(R"("PodName":"web-0")") != std::string::npos);
        CHECK(r.alert.find(R"("HostName":"guest")") != std::string::npos);
        CHECK(r.alert.find(R"("Labels":"")") != std::string::npos);
        CHECK(r.alert.find(R"("ContainerName":"")") != std::string::npos);
    }
    SECTION("newer: zeros past the struct are read as unset, a value is refused")
    {
        struct {
            kadapter_container_meta meta;
            const char* newer_field;
        } newer{};
        newer.meta.size = sizeof(newer);
        newer.meta.container_name = "nginx";
        Rendered r = render_in_handler(blocked_open(), &newer.meta);
        REQUIRE(r.status == KADAPTER_OK);
        CHECK(r.alert.find(R"("ContainerName":"nginx")") != std::string::npos);

        newer.newer_field = "set";
        Rendered refused = render_in_handler(blocked_open(), &newer.meta);
        CHECK(refused.status == KADAPTER_ERR_UNSUPPORTED);
        CHECK(refused.error.find("meta sets fields that libkadapter " KADAPTER_VERSION_STRING " does not know") !=
              std::string::npos);
        CHECK(kadapter_last_errno() == E2BIG);
    }
}
