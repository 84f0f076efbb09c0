// gRPC status codes as ttrpc carries them, and the exception handlers
// throw to answer with one.
#pragma once

#include <stdexcept>
#include <string>

namespace ttrpc {

enum class Code : int {
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
};

const char* to_string(Code);

class RpcError : public std::runtime_error {
public:
    RpcError(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Code code() const { return code_; }

private:
    Code code_;
};

} // namespace ttrpc
