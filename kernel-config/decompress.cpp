#include "decompress.hpp"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <memory>

#include "kadapter/error.hpp"

namespace kadapter::kernelcheck {
namespace {

constexpr size_t kChunk = size_t{1} << 20;

[[noreturn]] void corrupt(Compression format, const std::string& why)
{
    throw Error(Errc::InvalidArgument, std::string("corrupt ") + to_string(format) + " data: " + why);
}

void grow(std::string& out, size_t& used, size_t max_out, Compression format)
{
    if (out.size() - used >= kChunk / 2)
        return;
    if (out.size() >= max_out)
        corrupt(format, "decompresses to more than " + std::to_string(max_out >> 20) + " MiB");
    out.resize(std::min(out.size() + kChunk, max_out));
}

std::string gunzip(std::string_view data, size_t max_out)
{
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) // 16: expect a gzip header
        throw Error(Errc::System, "inflateInit2 failed");
    std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&z, inflateEnd);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(std::min(data.size(), size_t{UINT32_MAX}));
    std::string out;
    size_t used = 0;
    for (;;) {
        grow(out, used, max_out, Compression::Gzip);
        z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
        z.avail_out = static_cast<uInt>(out.size() - used);
        int rc = inflate(&z, Z_NO_FLUSH);
        used = out.size() - z.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            corrupt(Compression::Gzip, "truncated");
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            corrupt(Compression::Gzip, z.msg ? z.msg : "inflate error " + std::to_string(rc));
    }
    out.resize(used);
    return out;
}

std::string unxz(std::string_view data, size_t max_out)
{
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
        throw Error(Errc::System, "lzma_stream_decoder failed");
    std::unique_ptr<lzma_stream, decltype(&lzma_end)> guard(&s, lzma_end);
    s.next_in = reinterpret_cast<const uint8_t*>(data.data());
    s.avail_in = data.size();
    std::string out;
    size_t used = 0;
    for (;;) {
        grow(out, used, max_out, Compression::Xz);
        s.next_out = reinterpret_cast<uint8_t*>(out.data() + used);
        s.avail_out = out.size() - used;
        // LZMA_FINISH: all input is there, so a truncated stream is an error.
        lzma_ret rc = lzma_code(&s, LZMA_FINISH);
        used = out.size() - s.avail_out;
        if (rc == LZMA_STREAM_END)
            break;
        if (rc != LZMA_OK)
            corrupt(Compression::Xz, "liblzma error " + std::to_string(rc));
    }
    out.resize(used);
    return out;
}

std::string unzstd(std::string_view data, size_t max_out)
{
    std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> ds(ZSTD_createDStream(), ZSTD_freeDStream);
    if (!ds)
        throw Error(Errc::System, "ZSTD_createDStream failed");
    // The kernel compresses with --ultra -22, whose window may exceed the default limit.
    ZSTD_DCtx_setParameter(ds.get(), ZSTD_d_windowLogMax, 31);
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    std::string out;
    size_t used = 0;
    for (;;) {
        grow(out, used, max_out, Compression::Zstd);
        ZSTD_outBuffer ob{out.data() + used, out.size() - used, 0};
        size_t rc = ZSTD_decompressStream(ds.get(), &ob, &in);
        used += ob.pos;
        if (ZSTD_isError(rc))
            corrupt(Compression::Zstd, ZSTD_getErrorName(rc));
        if (rc == 0)
            break; // the end of the first frame
        if (in.pos == in.size && ob.pos < ob.size)
            corrupt(Compression::Zstd, "truncated");
    }
    out.resize(used);
    return out;
}

} // namespace

Compression sniff_compression(std::string_view d)
{
    auto starts = [&](std::string_view magic) { return d.starts_with(magic); };
    using namespace std::string_view_literals;
    if (starts("\x1f\x8b"sv))
        return Compression::Gzip;
    if (starts("\xfd\x37\x7a\x58\x5a\x00"sv))
        return Compression::Xz;
    if (starts("\x28\xb5\x2f\xfd"sv))
        return Compression::Zstd;
    if (starts("\x5d\x00\x00"sv))
        return Compression::Lzma;
    if (starts("BZh"sv))
        return Compression::Bzip2;
    if (starts("\x89LZO"sv))
        return Compression::Lzo;
    if (starts("\x02\x21\x4c\x18"sv))
        return Compression::Lz4;
    return Compression::None;
}

const char* to_string(Compression c)
{
    switch (c) {
    case Compression::None:
        return "uncompressed";
    case Compression::Gzip:
        return "gzip";
    case Compression::Xz:
        return "xz";
    case Compression::Zstd:
        return "zstd";
    case Compression::Lzma:
        return "lzma";
    case Compression::Bzip2:
        return "bzip2";
    case Compression::Lzo:
        return "lzo";
    case Compression::Lz4:
        return "lz4";
    }
    return "unknown";
}

std::string decompress(Compression format, std::string_view data, size_t max_out)
{
    switch (format) {
    case Compression::Gzip:
        return gunzip(data, max_out);
    case Compression::Xz:
        return unxz(data, max_out);
    case Compression::Zstd:
        return unzstd(data, max_out);
    case Compression::None:
        return std::string(data);
    default:
        // The three Kata, Debian and most distributions build with; the
        // others need libraries we do not otherwise carry.
        throw Error(Errc::Unsupported, std::string(to_string(format)) +
                                           " compression is not supported (gzip, xz and zstd are); "
                                           "check the kernel's .config instead");
    }
}

} // namespace kadapter::kernelcheck
