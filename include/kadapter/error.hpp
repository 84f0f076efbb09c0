// Errors: libkadapter reports every failure as a kadapter::Error carrying
// a code (an errno value or one of ours) and a message meant for a person.
#pragma once

#include <stdexcept>
#include <string>

#include "kadapter/export.h"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

enum class Errc : int {
    Ok = 0,
    InvalidArgument = 1,   // bad input (rule, path, id)
    Unsupported = 2,       // the kernel or this build cannot enforce it
    NotFound = 3,          // no such container
    AlreadyExists = 4,     // container already bound
    ResourceExhausted = 5, // a limit was exceeded (rules, containers)
    System = 6,            // a system call failed; sys_errno says why
    InvalidPolicy = 7,     // the policy text is invalid
};

const char* to_string(Errc);

class Error : public std::runtime_error {
public:
    Error(Errc code, const std::string& message, int sys_errno = 0)
        : std::runtime_error(message), code_(code), sys_errno_(sys_errno)
    {
    }
    Errc code() const { return code_; }
    int sys_errno() const { return sys_errno_; }

private:
    Errc code_;
    int sys_errno_;
};

// Throws Error(System) for a negative errno (or errno) value, libbpf style.
[[noreturn]] void throw_errno(int err, const std::string& what);

} // namespace kadapter

KADAPTER_PUBLIC_END
