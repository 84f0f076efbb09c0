// Keyed SipHash-1-3, mirrored bit-for-bit by bpf/siphash.bpf.h: rule keys
// are hashes of paths computed here and matched against hashes the BPF
// programs compute from d_path output.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace kadapter {

using HashKey = std::array<uint64_t, 2>;

// SipHash with c compression and d finalisation rounds (1-3 for rules,
// 2-4 only to check the implementation against the reference vectors).
uint64_t siphash(const HashKey& key, std::string_view data, int c_rounds = 1, int d_rounds = 3);

inline uint64_t path_hash(const HashKey& key, std::string_view path)
{
    return siphash(key, path);
}

// A listed argument of process rule `rule` (allowedArgs): the hash of the
// rule index (little-endian 64-bit) followed by the argument.
uint64_t arg_hash(const HashKey& key, uint32_t rule, std::string_view arg);

// Identity of a file: the hash of its kernel dev_t (MKDEV layout, as in
// super_block.s_dev) and inode number, both little-endian 64-bit.
uint64_t inode_hash(const HashKey& key, uint64_t kernel_dev, uint64_t ino);

// st_dev as returned by stat(2) -> the kernel's internal dev_t.
uint64_t kernel_dev_of(uint64_t st_dev);

} // namespace kadapter
