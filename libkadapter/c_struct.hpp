// kadapter.h's growable structs: each starts with `size`, the sizeof the
// caller was built with. A caller's struct is read and written only within
// its size, so a program built against an older (shorter) struct works
// with this library, and a newer one works as long as it sets nothing this
// library does not know.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "c_status.hpp"

namespace kadapter::c_api {

// Checks the size of a struct `type` the caller passes for the library to
// fill: it covers at least `size` itself.
template <typename T>
kadapter_status check_struct_out(const T* user, const char* function, const char* what, const char* type)
{
    if (user->size < sizeof(user->size))
        return fail(KADAPTER_ERR_INVALID_ARGUMENT,
                    std::string(function) + ": " + what + "->size is " + std::to_string(user->size) +
                        ": set it to sizeof(struct " + type + ")",
                    EINVAL);
    return KADAPTER_OK;
}

// No struct of this API will outgrow a page: a larger size is a caller's
// bug (garbage, or a length of something else), refused before a byte past
// the struct is read, as the kernel's copy_struct_from_user() does.
inline constexpr size_t kMaxStructSize = 4096;

// Checks the size of a struct `type` the caller passes in, named `what` in
// messages: it covers at least `size` itself, and bytes past the struct
// this library knows are zero.
template <typename T>
kadapter_status check_struct_in(const T* user, const char* function, const char* what, const char* type)
{
    if (kadapter_status s = check_struct_out(user, function, what, type); s != KADAPTER_OK)
        return s;
    const size_t size = user->size;
    if (size > kMaxStructSize)
        return fail(KADAPTER_ERR_INVALID_ARGUMENT,
                    std::string(function) + ": " + what + "->size is " + std::to_string(size) +
                        ": more than any struct " + type + " can be (" + std::to_string(kMaxStructSize) +
                        " bytes); set it to sizeof(struct " + type + ")",
                    E2BIG);
    if (size > sizeof(T)) {
        const auto* extra = reinterpret_cast<const unsigned char*>(user) + sizeof(T);
        if (std::any_of(extra, extra + (size - sizeof(T)), [](unsigned char b) { return b != 0; }))
            return fail(KADAPTER_ERR_UNSUPPORTED,
                        std::string(function) + ": " + what + " sets fields that libkadapter " +
                            KADAPTER_VERSION_STRING + " does not know (" + what + "->size is " + std::to_string(size) +
                            ", struct " + type + " has " + std::to_string(sizeof(T)) + " bytes here)",
                        E2BIG);
    }
    return KADAPTER_OK;
}

// Writes `value` into the caller's struct (checked by check_struct_out), as
// much of it as the caller's size holds; `size` becomes the bytes written.
template <typename T> void write_struct_out(T* user, T value)
{
    value.size = std::min(user->size, sizeof(T));
    std::memcpy(static_cast<void*>(user), &value, value.size);
}

} // namespace kadapter::c_api
