// The network: the NICs the runtime plugged in, their routes and static
// neighbours (network.hpp does the work, over rtnetlink).
#include "agent.pb.h"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {

using namespace rpc;

void register_network(ttrpc::Server& server, Agent& agent)
{
    Network& network = agent.network();
    add<grpc::UpdateInterfaceRequest, types::Interface>(
        server, kAgentService, "UpdateInterface",
        [&network](const grpc::UpdateInterfaceRequest& req, const ttrpc::CallContext&) {
            if (!req.has_interface())
                throw RpcError(Code::InvalidArgument, "UpdateInterface: the request has no interface");
            return network.update_interface(req.interface());
        });

    add<grpc::UpdateRoutesRequest, grpc::Routes>(
        server, kAgentService, "UpdateRoutes",
        [&network](const grpc::UpdateRoutesRequest& req, const ttrpc::CallContext&) {
            if (!req.has_routes())
                throw RpcError(Code::InvalidArgument, "UpdateRoutes: the request has no routes");
            return network.update_routes(req.routes());
        });

    add<grpc::ListInterfacesRequest, grpc::Interfaces>(
        server, kAgentService, "ListInterfaces",
        [&network](const grpc::ListInterfacesRequest&, const ttrpc::CallContext&) {
            return network.list_interfaces();
        });

    add<grpc::ListRoutesRequest, grpc::Routes>(
        server, kAgentService, "ListRoutes",
        [&network](const grpc::ListRoutesRequest&, const ttrpc::CallContext&) { return network.list_routes(); });

    add<grpc::AddARPNeighborsRequest, google::protobuf::Empty>(
        server, kAgentService, "AddARPNeighbors",
        [&network](const grpc::AddARPNeighborsRequest& req, const ttrpc::CallContext&) {
            if (!req.has_neighbors())
                throw RpcError(Code::InvalidArgument, "AddARPNeighbors: the request has no neighbors");
            network.add_arp_neighbors(req.neighbors());
            return google::protobuf::Empty();
        });
}

} // namespace guest_init
