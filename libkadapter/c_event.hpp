// Events through the C API: a kadapter::Event handed to a C handler as a
// struct kadapter_event, which kadapter_event_render_kubearmor() can render
// while the handler runs.
#pragma once

#include "kadapter/event.hpp"
#include "kadapter/kadapter.h"

namespace kadapter::c_api {

// Calls `handler` with `event` as a struct kadapter_event, valid (and
// renderable) until the handler returns.
void deliver(kadapter_event_fn handler, void* user, const Event& event);

} // namespace kadapter::c_api
