#include "c_status.hpp"

#include <cerrno>

namespace kadapter::c_api {
namespace {

thread_local std::string last_error;
thread_local int last_errno = 0;

} // namespace

kadapter_status fail(kadapter_status status, std::string message, int err)
{
    last_error = std::move(message);
    last_errno = err;
    return status;
}

kadapter_status null_argument(const char* function, const char* argument)
{
    return fail(KADAPTER_ERR_INVALID_ARGUMENT, std::string(function) + ": " + argument + " is NULL", EINVAL);
}

kadapter_status status_of(Errc code)
{
    switch (code) {
    case Errc::Ok:
        return KADAPTER_OK;
    case Errc::InvalidArgument:
        return KADAPTER_ERR_INVALID_ARGUMENT;
    case Errc::Unsupported:
        return KADAPTER_ERR_UNSUPPORTED;
    case Errc::NotFound:
        return KADAPTER_ERR_NOT_FOUND;
    case Errc::AlreadyExists:
        return KADAPTER_ERR_ALREADY_EXISTS;
    case Errc::ResourceExhausted:
        return KADAPTER_ERR_RESOURCE_EXHAUSTED;
    case Errc::System:
        return KADAPTER_ERR_SYSTEM;
    case Errc::InvalidPolicy:
        return KADAPTER_ERR_INVALID_POLICY;
    }
    return KADAPTER_ERR_INTERNAL;
}

} // namespace kadapter::c_api

extern "C" {

const char* kadapter_last_error(void)
{
    return kadapter::c_api::last_error.c_str();
}

int kadapter_last_errno(void)
{
    return kadapter::c_api::last_errno;
}

const char* kadapter_status_string(kadapter_status status)
{
    switch (status) {
    case KADAPTER_OK:
        return "ok";
    case KADAPTER_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case KADAPTER_ERR_UNSUPPORTED:
        return "unsupported";
    case KADAPTER_ERR_NOT_FOUND:
        return "not found";
    case KADAPTER_ERR_ALREADY_EXISTS:
        return "already exists";
    case KADAPTER_ERR_RESOURCE_EXHAUSTED:
        return "resource exhausted";
    case KADAPTER_ERR_SYSTEM:
        return "system error";
    case KADAPTER_ERR_INVALID_POLICY:
        return "invalid policy";
    case KADAPTER_ERR_NO_MEMORY:
        return "out of memory";
    case KADAPTER_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

} // extern "C"
