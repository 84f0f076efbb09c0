// Whole-buffer decompression of the formats kernel images and
// /proc/config.gz use, with a cap on the output so a hostile file cannot
// exhaust memory. Each stops at the end of the first stream: a bzImage
// payload carries trailing bytes (the decompressed size) after it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kadapter::kernelcheck {

inline constexpr size_t kMaxDecompressed = size_t{1} << 30;

enum class Compression { None, Gzip, Xz, Zstd, Lzma, Bzip2, Lzo, Lz4 };

// The format whose magic `data` starts with.
Compression sniff_compression(std::string_view data);
const char* to_string(Compression);

// Throws kadapter::Error(Unsupported) for formats other than gzip, xz and
// zstd, and Error(InvalidArgument) for corrupt data.
std::string decompress(Compression format, std::string_view data, size_t max_out = kMaxDecompressed);

} // namespace kadapter::kernelcheck
