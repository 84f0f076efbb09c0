#include "path_hash.hpp"

#include <sys/sysmacros.h>

#include <string>

namespace kadapter {
namespace {

struct State {
    uint64_t v0, v1, v2, v3;
};

inline uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

inline void round(State& s)
{
    s.v0 += s.v1;
    s.v1 = rotl(s.v1, 13);
    s.v1 ^= s.v0;
    s.v0 = rotl(s.v0, 32);
    s.v2 += s.v3;
    s.v3 = rotl(s.v3, 16);
    s.v3 ^= s.v2;
    s.v0 += s.v3;
    s.v3 = rotl(s.v3, 21);
    s.v3 ^= s.v0;
    s.v2 += s.v1;
    s.v1 = rotl(s.v1, 17);
    s.v1 ^= s.v2;
    s.v2 = rotl(s.v2, 32);
}

} // namespace

uint64_t siphash(const HashKey& key, std::string_view data, int c_rounds, int d_rounds)
{
    State s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull, key[0] ^ 0x6c7967656e657261ull,
            key[1] ^ 0x7465646279746573ull};
    uint64_t m = 0;
    uint64_t len = 0;
    for (unsigned char c : data) {
        m |= uint64_t{c} << (8 * (len & 7));
        ++len;
        if ((len & 7) == 0) {
            s.v3 ^= m;
            for (int i = 0; i < c_rounds; ++i)
                round(s);
            s.v0 ^= m;
            m = 0;
        }
    }
    uint64_t b = (len << 56) | m;
    s.v3 ^= b;
    for (int i = 0; i < c_rounds; ++i)
        round(s);
    s.v0 ^= b;
    s.v2 ^= 0xff;
    for (int i = 0; i < d_rounds; ++i)
        round(s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t inode_hash(const HashKey& key, uint64_t kernel_dev, uint64_t ino)
{
    std::string bytes(16, '\0');
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<char>((kernel_dev >> (8 * i)) & 0xff);
        bytes[8 + i] = static_cast<char>((ino >> (8 * i)) & 0xff);
    }
    return siphash(key, bytes);
}

uint64_t arg_hash(const HashKey& key, uint32_t rule, std::string_view arg)
{
    std::string bytes(8, '\0');
    for (int i = 0; i < 4; ++i)
        bytes[i] = static_cast<char>((rule >> (8 * i)) & 0xff);
    bytes.append(arg);
    return siphash(key, bytes);
}

uint64_t kernel_dev_of(uint64_t st_dev)
{
    // The kernel's dev_t is MAJOR << 20 | MINOR (include/linux/kdev_t.h).
    return (uint64_t{major(st_dev)} << 20) | minor(st_dev);
}

} // namespace kadapter
