// The glue every service shares: a handler takes a decoded request and
// returns its response; add() registers it, decodes the payload and turns
// whatever it throws into a gRPC status a Kata shim understands.
#pragma once

#include <string>
#include <utility>

#include "ttrpc/server.hpp"
#include "ttrpc/status.hpp"

namespace guest_init::rpc {

inline constexpr const char* kAgentService = "grpc.AgentService";
inline constexpr const char* kHealthService = "grpc.Health";
inline constexpr const char* kPolicyService = "kadapter.PolicyService";
inline constexpr const char* kVersion = "kadapter-init " KADAPTER_VERSION;

using ttrpc::Code;
using ttrpc::RpcError;

// Rethrows the exception in flight as an RpcError whose message starts
// with `method`: kadapter::Error by its code, std::invalid_argument as
// InvalidArgument, std::logic_error as FailedPrecondition, the rest as
// Internal (PermissionDenied when the message says so).
[[noreturn]] void rethrow_as_status(const char* method);

// What a long-polling handler throws once the client has gone.
RpcError client_went_away();
// A predicate for the blocking calls (Process::wait, read) to poll.
inline auto cancelled(const ttrpc::CallContext& ctx)
{
    return [&ctx] { return ctx.cancelled(); };
}

template <typename Req, typename Resp, typename Fn>
void add(ttrpc::Server& server, const char* service, const char* method, Fn fn)
{
    server.add(service, method,
               [fn = std::move(fn), method](const std::string& payload, const ttrpc::CallContext& ctx) {
                   Req req;
                   if (!req.ParseFromString(payload))
                       throw RpcError(Code::InvalidArgument, std::string(method) + ": malformed " + req.GetTypeName());
                   try {
                       Resp resp = fn(req, ctx);
                       return resp.SerializeAsString();
                   } catch (...) {
                       rethrow_as_status(method);
                   }
               });
}

} // namespace guest_init::rpc
