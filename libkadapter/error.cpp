#include "kadapter/error.hpp"

#include <cstring>

namespace kadapter {

const char* to_string(Errc c)
{
    switch (c) {
    case Errc::Ok:
        return "ok";
    case Errc::InvalidArgument:
        return "invalid argument";
    case Errc::Unsupported:
        return "unsupported";
    case Errc::NotFound:
        return "not found";
    case Errc::AlreadyExists:
        return "already exists";
    case Errc::ResourceExhausted:
        return "resource exhausted";
    case Errc::System:
        return "system error";
    case Errc::InvalidPolicy:
        return "invalid policy";
    }
    return "unknown";
}

void throw_errno(int err, const std::string& what)
{
    if (err < 0)
        err = -err;
    throw Error(Errc::System, what + ": " + std::strerror(err), err);
}

} // namespace kadapter
