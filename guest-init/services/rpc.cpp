#include "services/rpc.hpp"

#include <stdexcept>
#include <system_error>

#include "kadapter/error.hpp"

namespace guest_init::rpc {
namespace {

Code code_of(kadapter::Errc errc)
{
    switch (errc) {
    case kadapter::Errc::InvalidArgument:
    case kadapter::Errc::InvalidPolicy:
        return Code::InvalidArgument;
    case kadapter::Errc::Unsupported:
        return Code::InvalidArgument; // a policy this guest cannot enforce
    case kadapter::Errc::NotFound:
        return Code::NotFound;
    case kadapter::Errc::AlreadyExists:
        return Code::AlreadyExists;
    case kadapter::Errc::ResourceExhausted:
        return Code::ResourceExhausted;
    default:
        return Code::Internal;
    }
}

} // namespace

void rethrow_as_status(const char* method)
{
    const std::string what = std::string(method) + ": ";
    try {
        throw;
    } catch (const RpcError&) {
        throw;
    } catch (const kadapter::Error& e) {
        throw RpcError(code_of(e.code()), what + e.what());
    } catch (const std::invalid_argument& e) {
        throw RpcError(Code::InvalidArgument, what + e.what());
    } catch (const std::logic_error& e) {
        throw RpcError(Code::FailedPrecondition, what + e.what());
    } catch (const std::system_error& e) {
        throw RpcError(Code::Internal, what + e.what());
    } catch (const std::exception& e) {
        std::string msg = e.what();
        bool denied = msg.find("Permission denied") != std::string::npos ||
                      msg.find("Operation not permitted") != std::string::npos;
        throw RpcError(denied ? Code::PermissionDenied : Code::Internal, what + msg);
    }
}

RpcError client_went_away()
{
    return RpcError(Code::Cancelled, "the client went away");
}

} // namespace guest_init::rpc
