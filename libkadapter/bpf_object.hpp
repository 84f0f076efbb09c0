// RAII owners for the libbpf objects the enforcer holds.
#pragma once

#include <bpf/libbpf.h>
#include <linux/types.h>

#include <memory>

// The skeleton names the .bss/.rodata types of the ABI.
extern "C" {
#include "abi.h"
}
#include "kadapter.skel.h"

namespace kadapter {

struct SkeletonDeleter {
    void operator()(kadapter_bpf* s) const { kadapter_bpf__destroy(s); }
};
using Skeleton = std::unique_ptr<kadapter_bpf, SkeletonDeleter>;

struct RingBufferDeleter {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
using RingBuffer = std::unique_ptr<ring_buffer, RingBufferDeleter>;

} // namespace kadapter
