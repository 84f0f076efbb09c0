// The C API's error vocabulary: every failure is a kadapter_status and a
// per-thread message (kadapter_last_error), and no exception crosses it.
#pragma once

#include <cerrno>
#include <exception>
#include <new>
#include <string>

#include "kadapter/error.hpp"
#include "kadapter/kadapter.h"

namespace kadapter::c_api {

// Records `message` (and `err`) as this thread's last error; returns `status`.
kadapter_status fail(kadapter_status status, std::string message, int err = 0);
kadapter_status null_argument(const char* function, const char* argument);
kadapter_status status_of(Errc code);

// Runs `fn`, turning every exception into a status and a message.
template <typename Fn> kadapter_status guarded(Fn&& fn)
{
    try {
        fn();
        return KADAPTER_OK;
    } catch (const Error& e) {
        return fail(status_of(e.code()), e.what(), e.sys_errno());
    } catch (const std::bad_alloc&) {
        return fail(KADAPTER_ERR_NO_MEMORY, "out of memory", ENOMEM);
    } catch (const std::exception& e) {
        return fail(KADAPTER_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(KADAPTER_ERR_INTERNAL, "unknown error");
    }
}

} // namespace kadapter::c_api
