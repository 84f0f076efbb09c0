// Turns a raw kernel event record into a kadapter::Event.
#pragma once

#include <linux/types.h>

#include <cstddef>

#include "kadapter/event.hpp"

extern "C" {
#include "abi.h"
}

namespace kadapter {

// `size` is the record size from the ring buffer (the resource is
// variable-length). Fills everything but the container name and rule.
Event decode_event(const kad_event& raw, size_t size);

} // namespace kadapter
