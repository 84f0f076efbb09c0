// grpc.Health: the shim's liveness probe and version check.
#include "health.pb.h"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {

using namespace rpc;

void register_health(ttrpc::Server& server)
{
    add<grpc::CheckRequest, grpc::HealthCheckResponse>(server, kHealthService, "Check",
                                                       [](const grpc::CheckRequest&, const ttrpc::CallContext&) {
                                                           grpc::HealthCheckResponse r;
                                                           r.set_status(grpc::HealthCheckResponse::SERVING);
                                                           return r;
                                                       });
    add<grpc::CheckRequest, grpc::VersionCheckResponse>(server, kHealthService, "Version",
                                                        [](const grpc::CheckRequest&, const ttrpc::CallContext&) {
                                                            grpc::VersionCheckResponse r;
                                                            r.set_grpc_version("0.0.1");
                                                            r.set_agent_version(kVersion);
                                                            return r;
                                                        });
}

} // namespace guest_init
