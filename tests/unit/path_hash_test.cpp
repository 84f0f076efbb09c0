// The keyed hash the BPF programs and libkadapter must agree on.
#include <catch2/catch.hpp>

#include <string>

#include "path_hash.hpp"

using kadapter::HashKey;
using kadapter::siphash;

namespace {

HashKey reference_key()
{
    // Key 00 01 .. 0f, as in the SipHash paper's test vectors.
    uint64_t k0 = 0, k1 = 0;
    for (int i = 0; i < 8; ++i) {
        k0 |= uint64_t(i) << (8 * i);
        k1 |= uint64_t(i + 8) << (8 * i);
    }
    return {k0, k1};
}

std::string counting(size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s += static_cast<char>(i);
    return s;
}

} // namespace

TEST_CASE("SipHash-2-4 matches the reference vectors")
{
    // From the reference implementation (vectors.h), message 00 01 .. (n-1).
    const HashKey k = reference_key();
    CHECK(siphash(k, counting(0), 2, 4) == 0x726fdb47dd0e0e31ull);
    CHECK(siphash(k, counting(1), 2, 4) == 0x74f839c593dc67fdull);
    CHECK(siphash(k, counting(2), 2, 4) == 0x0d6c8009d9a94f5aull);
    CHECK(siphash(k, counting(3), 2, 4) == 0x85676696d7fb7e2dull);
    CHECK(siphash(k, counting(8), 2, 4) == 0x93f5f5799a932462ull);
    CHECK(siphash(k, counting(63), 2, 4) == 0x958a324ceb064572ull);
}

TEST_CASE("path hashes depend on the key and on every byte")
{
    HashKey a{1, 2}, b{1, 3};
    CHECK(kadapter::path_hash(a, "/etc/passwd") != kadapter::path_hash(b, "/etc/passwd"));
    CHECK(kadapter::path_hash(a, "/etc/passwd") != kadapter::path_hash(a, "/etc/passwe"));
    CHECK(kadapter::path_hash(a, "/etc/") != kadapter::path_hash(a, "/etc"));
    // Lengths across the 8-byte word boundary, as the kernel splits them.
    std::string p = "/";
    for (int i = 0; i < 20; ++i) {
        std::string q = p + "x";
        CHECK(kadapter::path_hash(a, p) != kadapter::path_hash(a, q));
        p = q;
    }
}

TEST_CASE("inode identities use the kernel's dev_t layout")
{
    // makedev(8, 1) -> MKDEV(8, 1) == 8 << 20 | 1
    CHECK(kadapter::kernel_dev_of((8ull << 8) | 1) == ((8ull << 20) | 1));
    HashKey k{7, 9};
    CHECK(kadapter::inode_hash(k, 1, 2) != kadapter::inode_hash(k, 2, 1));
}
